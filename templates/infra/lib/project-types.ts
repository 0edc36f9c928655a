/**
 * The shape of lib/project.ts's PROJECT: the project as generator-copilot-django planned it from its answers
 * (.yo-rc.json), the values the Copilot manifests under copilot/ print. The generator plans this same type.
 */

/** One environment of --branches, with its stack, its stage and its pipeline. */
export interface Environment {
  name: string;
  /** Its stack, beside Copilot's `<app>-<env>` and `<app>-<env>-<service>`. */
  stackName: string;
  /**
   * The stage that holds the stack, the one both `cdk deploy` and the pipeline deploy: the stack's path in the app is
   * `<stageName>/Environment`, what `cdk deploy` selects it by.
   */
  stageName: string;
  /**
   * The service's name in the domain's hosted zone ('' without a domain: plain HTTP). Not Copilot's
   * <service>.<env>.<app>.<domain>: Copilot delegates <app>.<domain> to a hosted zone of its own, which would hide this
   * app's records (and its certificate's validation) for as long as the Copilot application exists beside it.
   */
  hostName: string;
  production: boolean;
  /** Tasks in the environment, and how many of them run on regular Fargate when the rest run on Spot. */
  count: number;
  spot: boolean;
  onDemand: number;
  /** Aurora Serverless v2 capacity in ACUs: a minimum of 0 pauses the database when idle. */
  databaseCapacity: { min: number; max: number };
  /** Container Insights, as the Copilot environment manifest sets it (production only). */
  containerInsights: boolean;
  /** The branch whose pushes deploy this environment, and its pipeline's name and stack (with a repository). */
  branch: string;
  pipelineName: string;
  pipelineStackName: string;
}

/** Where the pipelines take the code from: the Copilot pipelines' repository and connection. */
export interface Source {
  provider: 'GitHub' | 'Bitbucket' | 'CodeCommit';
  /** `owner/repo` on GitHub or Bitbucket (the connection's FullRepositoryId); the repository's name on CodeCommit. */
  repository: string;
  /** The connection the Copilot pipelines use, by name (GitHub and Bitbucket): cdk.json's `connectionArn` is its ARN. */
  connectionName?: string;
  /** The CodeCommit repository's region (its URL's host): a pipeline reads CodeCommit in its own region only. */
  region?: string;
}

/** The Celery worker, as copilot/<worker>/manifest.yml: a service on the Django image running `command`, no port. */
export interface Worker {
  name: string;
  command: string[];
  /** DJANGO_START_UP: the entrypoint waits for the web service's migrations instead of running the start-up steps. */
  startUp: string;
  /** Redis OSS's major version on ElastiCache Serverless, as copilot/environments/addons/redis.yml. */
  redisMajorVersion: string;
}

/** The scheduled job, as copilot/<job>/manifest.yml: a management command on the Django image, in a task of its own. */
export interface Job {
  name: string;
  /** The EventBridge rule's expression of the manifest's `on.schedule` (UTC). */
  schedule: string;
  /** `python manage.py` and its arguments: the image's entrypoint (the start-up steps) is replaced. */
  entryPoint: string[];
  command: string[];
  /** A run longer than this is stopped; a failed run is tried `retries` times more. */
  timeoutSeconds: number;
  retries: number;
  cpu: number;
  memory: number;
}

/** The load balancer's health check of the service manifest (`http.healthcheck`). */
export interface HealthCheck {
  path: string;
  successCodes: string;
  healthyThreshold: number;
  unhealthyThreshold: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Time for the entrypoint's collectstatic and migrate before the first health check counts. */
  gracePeriodSeconds: number;
}

export interface Project {
  app: string;
  service: string;
  /** '' without a domain: plain HTTP on the load balancer. */
  domain: string;
  account: string;
  region: string;
  vpcCidr: string;
  environments: Environment[];
  /** The images' build contexts and Dockerfiles (relative to their context), from the repository root. */
  django: { context: string; dockerfile: string; exclude: string[]; port: number; container: string };
  nginx: { context: string; dockerfile: string; port: number; container: string };
  cpu: number;
  memory: number;
  stopTimeoutSeconds: number;
  healthCheck: HealthCheck;
  deregistrationDelaySeconds: number;
  staticFiles: { path: string; volume: string; uid: number; gid: number };
  database: { name: string; engineMajorVersion: string; port: number };
  variables: Record<string, string>;
  /** Container variable → the name of its SSM parameter under /copilot/<app>/<env>/secrets/ (Copilot's names). */
  secrets: Record<string, string>;
  /** Uploaded files on S3: a private bucket per environment, its name in this variable of every task. */
  media?: { variable: string };
  worker?: Worker;
  job?: Job;
  /** The pipelines' repository; absent without one: no pipelines, `npx cdk deploy <stage>/Environment` by hand. */
  source?: Source;
  /** The CodeBuild image the pipelines build on, the Copilot pipelines'. */
  buildImage: string;
  /** The Node.js major the pipelines' builds select on that image. */
  buildNodejs: number;
}
