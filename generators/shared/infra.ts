/**
 * The AWS CDK app of --target cdk (templates/infra/, written to infra/): the same task the Copilot manifests describe,
 * from the same plan. Its templates print `InfraPlan.project` whole, as infra/lib/project.ts: the app computes nothing
 * the plan already knows.
 */
import type { EnvironmentPlan, JobPlan, PipelineSource, WorkerPlan } from './plan.js';
// The generated app's own types (infra/lib/project-types.ts, written as it is): what the plan fills is what the app reads.
import type { HealthCheck as HealthCheckPlan, Project as InfraProject, Source as InfraSource } from '../../templates/infra/lib/project-types.js';
import type { SettingsEnvironment } from './settings-environment.js';
import { STOP_TIMEOUT_SECONDS } from './stop-timeout.js';
import { VERSIONS } from './versions.js';

export type { HealthCheckPlan };

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

export interface InfraPlan {
  project: InfraProject;
  /** infra/package.json's pins (versions.ts). */
  versions: typeof VERSIONS.cdk;
  /** infra/cdk.json's context: what the lookups answer for OFFLINE_ACCOUNT, so `cdk synth` needs no credentials. */
  offlineContext: Record<string, unknown>;
  /** infra/cdk.json's `connectionArn` (GitHub and Bitbucket), the example one until the user puts theirs. */
  connectionArn?: string;
  /** The export of the Copilot environment's DB_SECRET, after `<app>-<env>-`: the guide's restore step reads it. */
  copilotSecretExport: string;
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
  /** The export of the Copilot environment's DB_SECRET, after `<app>-<env>-` (copilot/environments/addons/db.yml). */
  databaseSecretExport: string;
  source?: PipelineSource;
  codebuildImage: string;
  media: boolean;
  worker?: WorkerPlan;
  job?: JobPlan;
}

/** The context keys of aws-cdk-lib's lookups (core ContextProvider.getKey: the provider, then the props sorted by name). */
function offlineContext(domain: string, region: string): Record<string, unknown> {
  const { account, hostedZoneId } = OFFLINE_ACCOUNT;
  const availabilityZones = region === OFFLINE_ACCOUNT.region ? OFFLINE_ACCOUNT.availabilityZones : [`${region}a`, `${region}b`];
  return {
    [`availability-zones:account=${account}:region=${region}`]: availabilityZones,
    ...(domain ? { [`hosted-zone:account=${account}:domainName=${domain}:region=${region}`]: { Id: `/hostedzone/${hostedZoneId}`, Name: `${domain}.` } } : {}),
  };
}

/** Copilot's presets as EventBridge's cron (internal/pkg/deploy/cloudformation/stack/scheduled_job.go, toFixedSchedule). */
const PRESETS: Record<string, string> = {
  '@hourly': '0 * * * ? *',
  '@daily': '0 0 * * ? *',
  '@midnight': '0 0 * * ? *',
  '@weekly': '0 0 ? * 1 *',
  '@monthly': '0 0 1 * ? *',
  '@yearly': '0 0 1 1 ? *',
  '@annually': '0 0 1 1 ? *',
};

/**
 * A Copilot manifest's `on.schedule` as the EventBridge expression Copilot renders from it (scheduled_job.go,
 * awsSchedule): `cron(…)` and `rate(…)` as written; `@every 1h30m` as a rate in minutes; a preset; and a standard
 * five-field cron (UTC) in EventBridge's six fields, with `?` in the day field left unspecified, day-of-week numbers
 * one higher (EventBridge counts from 1, Sunday) and any year (toAWSCron).
 */
export function eventBridgeSchedule(schedule: string): string {
  const refuse = (why: string) => new Error(`schedule "${schedule}" ${why}`);
  if (/^(cron|rate)\(.*\)$/.test(schedule)) return schedule;
  if (schedule.startsWith('@every ')) {
    const seconds = durationSeconds(schedule.slice('@every '.length));
    if (seconds < 60 || seconds % 60 !== 0) throw refuse('must be a whole number of minutes or hours, at least one minute');
    return `rate(${seconds / 60} ${seconds === 60 ? 'minute' : 'minutes'})`;
  }
  if (schedule.startsWith('@')) {
    if (!PRESETS[schedule]) throw refuse(`is not one of Copilot's presets (${Object.keys(PRESETS).join(', ')}, @every <duration>)`);
    return `cron(${PRESETS[schedule]})`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw refuse('is not a cron expression of five fields');
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const specified = (field: string) => !/[*?]/.test(field);
  let days: [string, string];
  if (!specified(dayOfMonth) && !specified(dayOfWeek)) days = ['*', '?'];
  else if (!specified(dayOfMonth)) days = ['?', dayOfWeek];
  else if (!specified(dayOfWeek)) days = [dayOfMonth, '?'];
  else throw refuse('names both a day of the month and a day of the week, which EventBridge refuses');
  const weekday = days[1].replace(/\d/g, (digit) => String(Number(digit) + 1));
  return `cron(${[minute, hour, days[0], month, weekday, '*'].join(' ')})`;
}

/** A Copilot duration (Go's: `15m`, `1h30m`, `90s`) in seconds. */
export function durationSeconds(duration: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match || duration === '') throw new Error(`duration "${duration}" is not hours, minutes and seconds (15m, 1h30m)`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** The repository as the pipelines' source actions name it, from the HTTPS URL repository.ts normalised. */
function planSource(source: PipelineSource): InfraSource {
  const path = new URL(source.url).pathname;
  const repository = source.provider === 'CodeCommit' ? path.slice(path.lastIndexOf('/') + 1) : path.slice(1);
  const region = source.provider === 'CodeCommit' ? new URL(source.url).hostname.split('.')[1] : undefined;
  return { provider: source.provider, repository, ...(source.connectionName ? { connectionName: source.connectionName } : {}), ...(region ? { region } : {}) };
}

export function planInfra(input: InfraInput): InfraPlan {
  const source = input.source ? planSource(input.source) : undefined;
  // A pipeline reads CodeCommit in its own region only: the app starts in the repository's.
  const region = source?.region ?? OFFLINE_ACCOUNT.region;
  const djangoPrefix = input.djangoDir === '.' ? '' : `${input.djangoDir}/`;
  const project: InfraProject = {
    app: input.app,
    service: input.service,
    domain: input.domain,
    account: OFFLINE_ACCOUNT.account,
    region,
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
    ...(input.media ? { media: { variable: 'MEDIA_BUCKET_NAME' } } : {}),
    ...(input.worker ? { worker: { name: input.worker.name, command: input.worker.command, startUp: input.worker.startUp, redisMajorVersion: input.worker.redisMajorVersion } } : {}),
    ...(input.job
      ? {
          job: {
            name: input.job.name,
            schedule: eventBridgeSchedule(input.job.schedule),
            entryPoint: input.job.entryPoint,
            command: input.job.command,
            timeoutSeconds: durationSeconds(input.job.timeout),
            retries: input.job.retries,
            cpu: input.job.cpu,
            memory: input.job.memory,
          },
        }
      : {}),
    ...(source ? { source } : {}),
    buildImage: input.codebuildImage,
    buildNodejs: VERSIONS.codebuild.nodejs,
  };
  return {
    project,
    versions: VERSIONS.cdk,
    offlineContext: offlineContext(input.domain, region),
    ...(input.source?.connectionName ? { connectionArn: EXAMPLE_CONNECTION_ARN } : {}),
    copilotSecretExport: input.databaseSecretExport,
  };
}
