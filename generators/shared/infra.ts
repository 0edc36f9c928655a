/**
 * The AWS CDK app of --target cdk (templates/infra/, written to infra/): the same task the Copilot manifests describe,
 * from the same plan. Its templates print `InfraPlan.project` whole, as infra/lib/project.ts: the app computes nothing
 * the plan already knows.
 */
import type { EnvironmentPlan, PipelineSource } from './plan.js';
import type { SettingsEnvironment } from './settings-environment.js';
import { STOP_TIMEOUT_SECONDS } from './stop-timeout.js';
import { VERSIONS } from './versions.js';

/**
 * Where `cdk synth` runs without AWS credentials: an account and region the app deploys to until the user names
 * theirs in infra/cdk.json, with what the lookups would answer there written into cdk.json's context. 123456789012 is
 * the account AWS's documentation uses in examples; no one owns it, so a deploy with it fails before touching AWS.
 */
export const OFFLINE_ACCOUNT = { account: '123456789012', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'], hostedZoneId: 'Z0000000000000EXAMPLE' };

/**
 * infra/cdk.json's `connectionArn` until the user puts the ARN of the connection the Copilot pipelines use
 * (`source.connectionName`) there: CloudFormation and the CDK have no lookup of a connection by its name. It is in
 * OFFLINE_ACCOUNT, so the app refuses it once `account` names a real one (lib/pipeline-stack.ts).
 */
export const EXAMPLE_CONNECTION_ARN = `arn:aws:codestar-connections:${OFFLINE_ACCOUNT.region}:${OFFLINE_ACCOUNT.account}:connection/00000000-0000-0000-0000-000000000000`;

/** The secrets `copilot secret init` stores for every project (the service manifest's `secrets:`), by name. */
export const DJANGO_SECRETS = ['DJANGO_SECRET_KEY', 'DJANGO_SUPERUSER_USERNAME', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD'];

/** The load balancer's health check of the service manifest (`http.healthcheck`). */
export interface HealthCheckPlan {
  path: string;
  successCodes: string;
  healthyThreshold: number;
  unhealthyThreshold: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Time for the entrypoint's collectstatic and migrate before the first health check counts. */
  gracePeriodSeconds: number;
}

export interface InfraEnvironment {
  name: string;
  /** Its stack, beside Copilot's `<app>-<env>` and `<app>-<env>-<service>`. */
  stackName: string;
  /**
   * The stage that holds the stack, the one both `cdk deploy` and the pipeline deploy: the stack's path in the app is
   * `<stageName>/Environment`, what `cdk deploy` selects it by.
   */
  stageName: string;
  /**
   * The service's name in the domain's hosted zone ('' without a domain). Not Copilot's <service>.<env>.<app>.<domain>:
   * Copilot delegates <app>.<domain> to a hosted zone of its own, which would hide this app's records (and its
   * certificate's validation) for as long as the Copilot application exists beside it.
   */
  hostName: string;
  production: boolean;
  /** Tasks in the environment, and how many of them run on regular Fargate when the rest run on Spot. */
  count: number;
  spot: boolean;
  onDemand: number;
  /** Aurora Serverless v2 capacity in ACUs: a minimum of 0 pauses when idle. */
  databaseCapacity: { min: number; max: number };
  /** Container Insights, as the Copilot environment manifest sets it (production only). */
  containerInsights: boolean;
  /** The branch whose pushes deploy this environment (--branches), and its pipeline's name and stack (with a repository). */
  branch: string;
  pipelineName: string;
  pipelineStackName: string;
}

/** Where the pipelines take the code from: the Copilot pipelines' repository and connection. */
export interface InfraSource {
  provider: PipelineSource['provider'];
  /** `owner/repo` on GitHub or Bitbucket (the connection's FullRepositoryId); the repository's name on CodeCommit. */
  repository: string;
  /** The connection the Copilot pipelines use, by name (GitHub and Bitbucket): the ARN in cdk.json is its. */
  connectionName?: string;
}

/** What infra/lib/project.ts holds: plain data, printed as JSON. */
export interface InfraProject {
  app: string;
  service: string;
  /** '' without a domain: plain HTTP on the load balancer. */
  domain: string;
  account: string;
  region: string;
  vpcCidr: string;
  environments: InfraEnvironment[];
  /** The images' build contexts and Dockerfiles (relative to their context), from the repository root. */
  django: { context: string; dockerfile: string; exclude: string[]; port: number; container: string };
  nginx: { context: string; dockerfile: string; port: number; container: string };
  cpu: number;
  memory: number;
  stopTimeoutSeconds: number;
  healthCheck: HealthCheckPlan;
  deregistrationDelaySeconds: number;
  staticFiles: { path: string; volume: string; uid: number; gid: number };
  database: { name: string; engineMajorVersion: string; port: number };
  variables: Record<string, string>;
  /** Container variable → the name of its SSM parameter under /copilot/<app>/<env>/secrets/. */
  secrets: Record<string, string>;
  /** The pipelines' repository; absent without --repository (no pipelines). */
  source?: InfraSource;
  /** The CodeBuild image the pipelines build on, the Copilot pipelines' (versions.ts). */
  buildImage: string;
}

export interface InfraPlan {
  project: InfraProject;
  /** infra/package.json's pins (versions.ts). */
  versions: typeof VERSIONS.cdk;
  /** infra/cdk.json's context: what the lookups answer for OFFLINE_ACCOUNT, so `cdk synth` needs no credentials. */
  offlineContext: Record<string, unknown>;
  /** infra/cdk.json's `connectionArn` (GitHub and Bitbucket), the example one until the user puts theirs. */
  connectionArn?: string;
}

export interface InfraInput {
  app: string;
  service: string;
  domain: string;
  djangoDir: string;
  djangoDockerfile: string;
  djangoPort: number;
  nginxDir: string;
  nginxPort: number;
  nginxContainer: string;
  cpu: number;
  memory: number;
  healthCheck: HealthCheckPlan;
  drainSeconds: number;
  vpcCidr: string;
  staticRoot: string;
  staticVolume: string;
  uid: number;
  gid: number;
  gunicornWorkers: number;
  gunicornThreads: number;
  https: boolean;
  environments: EnvironmentPlan[];
  settingsEnvironment: SettingsEnvironment;
  databaseName: string;
  source?: PipelineSource;
  codebuildImage: string;
}

/** The context keys of aws-cdk-lib's lookups (core ContextProvider.getKey: the provider, then the props sorted by name). */
function offlineContext(domain: string): Record<string, unknown> {
  const { account, region, availabilityZones, hostedZoneId } = OFFLINE_ACCOUNT;
  return {
    [`availability-zones:account=${account}:region=${region}`]: availabilityZones,
    ...(domain ? { [`hosted-zone:account=${account}:domainName=${domain}:region=${region}`]: { Id: `/hostedzone/${hostedZoneId}`, Name: `${domain}.` } } : {}),
  };
}

/** The repository as the pipelines' source actions name it, from the HTTPS URL repository.ts normalised. */
function planSource(source: PipelineSource): InfraSource {
  const path = new URL(source.url).pathname;
  const repository = source.provider === 'CodeCommit' ? path.slice(path.lastIndexOf('/') + 1) : path.slice(1);
  return { provider: source.provider, repository, ...(source.connectionName ? { connectionName: source.connectionName } : {}) };
}

export function planInfra(input: InfraInput): InfraPlan {
  const djangoPrefix = input.djangoDir === '.' ? '' : `${input.djangoDir}/`;
  const project: InfraProject = {
    app: input.app,
    service: input.service,
    domain: input.domain,
    account: OFFLINE_ACCOUNT.account,
    region: OFFLINE_ACCOUNT.region,
    vpcCidr: input.vpcCidr,
    environments: input.environments.map((environment) => ({
      name: environment.name,
      stackName: `${input.app}-${environment.name}-cdk`,
      stageName: `${input.app}-${environment.name}`,
      hostName: input.domain ? `${input.service}.${environment.name}.${input.domain}` : '',
      production: environment.production,
      count: environment.count,
      spot: environment.spot,
      onDemand: environment.onDemand,
      databaseCapacity: environment.databaseCapacity,
      containerInsights: environment.production,
      branch: environment.branch,
      // Beside Copilot's pipeline of the same branch (copilot/pipelines/<pipelineName>), never its name.
      pipelineName: `${environment.pipelineName}-cdk`,
      pipelineStackName: `${environment.pipelineName}-cdk-pipeline`,
    })),
    django: {
      context: input.djangoDir,
      dockerfile: input.djangoDockerfile.slice(djangoPrefix.length),
      // A project at the repository's root: the image's context holds this app, its packages and its synth output.
      exclude: input.djangoDir === '.' ? ['infra', 'copilot', '.git'] : [],
      port: input.djangoPort,
      container: input.service,
    },
    nginx: { context: input.nginxDir, dockerfile: 'Dockerfile', port: input.nginxPort, container: input.nginxContainer },
    cpu: input.cpu,
    memory: input.memory,
    stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
    healthCheck: input.healthCheck,
    deregistrationDelaySeconds: input.drainSeconds,
    staticFiles: { path: input.staticRoot, volume: input.staticVolume, uid: input.uid, gid: input.gid },
    database: { name: input.databaseName, engineMajorVersion: VERSIONS.postgresql.major, port: 5432 },
    variables: {
      DJANGO_HTTPS: String(input.https),
      ...(input.domain ? { DJANGO_DOMAIN: input.domain } : {}),
      WEB_CONCURRENCY: String(input.gunicornWorkers),
      GUNICORN_THREADS: String(input.gunicornThreads),
      ...Object.fromEntries(input.settingsEnvironment.variables.map((variable) => [variable.name, variable.value])),
    },
    secrets: {
      ...Object.fromEntries(DJANGO_SECRETS.map((name) => [name, name])),
      ...Object.fromEntries(input.settingsEnvironment.secrets.map((secret) => [secret.name, secret.parameter])),
    },
    ...(input.source ? { source: planSource(input.source) } : {}),
    buildImage: input.codebuildImage,
  };
  return {
    project,
    versions: VERSIONS.cdk,
    offlineContext: offlineContext(input.domain),
    ...(input.source?.connectionName ? { connectionArn: EXAMPLE_CONNECTION_ARN } : {}),
  };
}
