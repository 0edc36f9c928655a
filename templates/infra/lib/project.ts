/**
 * The project as the generator planned it from its answers (.yo-rc.json): the same values the Copilot manifests
 * under copilot/ print. Written by generator-copilot-django; a re-run rewrites it from the answers.
 */
export interface Environment {
  name: string;
  stackName: string;
  /** The stage holding the stack: `cdk deploy <stageName>/Environment` deploys it. */
  stageName: string;
  /** The service's name in the domain's hosted zone; '' without a domain (plain HTTP). */
  hostName: string;
  production: boolean;
  /** Tasks, and how many of them stay on regular Fargate when the others run on Fargate Spot. */
  count: number;
  spot: boolean;
  onDemand: number;
  /** Aurora Serverless v2 capacity in ACUs; a minimum of 0 pauses the database when idle. */
  databaseCapacity: { min: number; max: number };
  containerInsights: boolean;
  /** The branch whose pushes deploy this environment, and its pipeline's name and stack (with a repository). */
  branch: string;
  pipelineName: string;
  pipelineStackName: string;
}

/** The Copilot pipelines' repository: `owner/repo` through a connection (GitHub, Bitbucket), or a CodeCommit name. */
export interface Source {
  provider: 'GitHub' | 'Bitbucket' | 'CodeCommit';
  repository: string;
  /** The connection the Copilot pipelines use: cdk.json's `connectionArn` is its ARN. */
  connectionName?: string;
  /** The CodeCommit repository's region: the pipelines must run there. */
  region?: string;
}

/** The Celery worker: a service on the Django image running `command`, no port, its broker the environment's Redis. */
export interface Worker {
  name: string;
  command: string[];
  /** DJANGO_START_UP: the entrypoint waits for the web service's migrations instead of running the start-up steps. */
  startUp: string;
  redisMajorVersion: string;
}

/** A management command on the Django image, on a schedule (UTC), in a task of its own. */
export interface Job {
  name: string;
  /** EventBridge's `cron(…)` of the Copilot manifest's schedule. */
  schedule: string;
  entryPoint: string[];
  command: string[];
  /** A run longer than this is stopped; a failed run is tried `retries` times more. */
  timeoutSeconds: number;
  retries: number;
  cpu: number;
  memory: number;
}

export interface Project {
  app: string;
  service: string;
  domain: string;
  account: string;
  region: string;
  vpcCidr: string;
  environments: Environment[];
  /** Build contexts from the repository root; Dockerfiles relative to their context. */
  django: { context: string; dockerfile: string; exclude: string[]; port: number; container: string };
  nginx: { context: string; dockerfile: string; port: number; container: string };
  cpu: number;
  memory: number;
  stopTimeoutSeconds: number;
  healthCheck: {
    path: string;
    successCodes: string;
    healthyThreshold: number;
    unhealthyThreshold: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    gracePeriodSeconds: number;
  };
  deregistrationDelaySeconds: number;
  staticFiles: { path: string; volume: string; uid: number; gid: number };
  database: { name: string; engineMajorVersion: string; port: number };
  variables: Record<string, string>;
  /** Container variable → its SSM parameter's name under /copilot/<app>/<env>/secrets/ (Copilot's names). */
  secrets: Record<string, string>;
  /** Uploaded files on S3: a private bucket per environment, its name in this variable of every task. */
  media?: { variable: string };
  worker?: Worker;
  job?: Job;
  /** Absent without a repository: no pipelines, `npx cdk deploy <stack>` by hand. */
  source?: Source;
  /** The CodeBuild image the pipelines build on, as the Copilot pipelines'. */
  buildImage: string;
  /** The Node.js major the pipelines' builds select on that image. */
  buildNodejs: number;
}

export const PROJECT: Project = <%- JSON.stringify(infra.project, null, 2) %>;
