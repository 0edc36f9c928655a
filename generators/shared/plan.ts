/**
 * From validated answers to the plan: the values every template receives and which files are written.
 * Everything computed lives here; templates only print it.
 */
import { branchSlug, isProductionEnvironment, parseBranches } from './branches.js';
import { HOUSEKEEPING_JOB_NAME, type Answers } from './questions.js';
import { parseRepository, type SourceProvider } from './repository.js';
import { NO_STATE, type RunState } from './rerun.js';
import { pythonImageFor, type ExistingProject } from './detect.js';
import { databaseCapacity, planDatabase, type DatabasePlan } from './database.js';
import { planSettingsEnvironment, type SettingsEnvironment } from './settings-environment.js';
import { GUIDE, ROOT_README } from './guide.js';
import { newProjectRequirements } from './requirements.js';
import { VERSIONS } from './versions.js';
import { planInfra, type HealthCheckPlan, type InfraPlan } from './infra.js';

/**
 * What the task's environment already holds, which a team's settings may read: the manifest's own variables and
 * secrets, the image's ENV, and what ECS and Copilot set in every task.
 */
const PROVIDED_ENVIRONMENT = [
  'DJANGO_SECRET_KEY',
  'DJANGO_SUPERUSER_USERNAME',
  'DJANGO_SUPERUSER_EMAIL',
  'DJANGO_SUPERUSER_PASSWORD',
  'DB_SECRET',
  'DJANGO_HTTPS',
  'DJANGO_DOMAIN',
  'DJANGO_STATIC_ROOT',
  'DJANGO_MEDIA_ROOT',
  'DJANGO_SETTINGS_MODULE',
  'WEB_CONCURRENCY',
  'GUNICORN_THREADS',
  'PYTHONUNBUFFERED',
  'PYTHONDONTWRITEBYTECODE',
  'PIP_DISABLE_PIP_VERSION_CHECK',
  'HOSTNAME',
  'HOME',
  'PATH',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'COPILOT_*',
  'ECS_*',
];

/**
 * The key that signs Copilot's release binaries (Amazon ECS, from https://aws.github.io/copilot-cli/docs/getting-started/verify/):
 * written once beside the pipelines, its primary key's fingerprint pinned in every buildspec.
 */
export const COPILOT_SIGNING_KEY = { path: 'copilot/pipelines/amazon-ecs-public-key.asc', fingerprint: 'F34C3DDAE72926B079BEAEC6BCE9D9A42D51784F' };

export interface EnvironmentPlan {
  name: string;
  branch: string;
  spot: boolean;
  /** Production environments get two tasks and a manual approval before their pipeline deploys. */
  production: boolean;
  pipelineName: string;
  /** Tasks in this environment. */
  count: number;
  /**
   * On Spot, the tasks kept on regular Fargate: one in production, so a Spot shortage never leaves it without a task
   * (Copilot's count.range.spot_from); none elsewhere.
   */
  onDemand: number;
  /** Deployed before on the other capacity provider: Service Connect off for one deploy (rerun.ts). */
  spotSwitch: boolean;
  /** ACUs of the environment's database (database.ts): a minimum of 0 pauses when idle, never in production. */
  databaseCapacity: { min: number; max: number };
}

export interface PipelineSource {
  provider: SourceProvider;
  url: string;
  /** One named connection shared by every pipeline, approved once in the console (not for CodeCommit). */
  connectionName?: string;
}

export interface TemplateContext {
  /**
   * Whether the templates rendered from have `template`: a released version's plan had only the files it had
   * templates for (released.ts). Unset: every template is there.
   */
  hasTemplate?: (template: string) => boolean;
  /** A Django project of the team's (detect.ts), or a new one written by us. */
  existingProject: boolean;
  /** The team's settings module the deployment settings import (existing projects). */
  userSettingsModule: string;
  /** Relative to djangoDir: the team's requirements, or ours (`requirements.txt`) when they have none. */
  requirementsFile: string;
  requirementsKind: 'txt' | 'pyproject';
  /** What the Dockerfile copies before installing: the file, or its folder when it may include siblings. */
  requirementsCopy: string;
  /** The team has requirements of its own (only what is missing is added to them). */
  hasOwnRequirements: boolean;
  app: string;
  service: string;
  domain: string;
  https: boolean;
  djangoDir: string;
  /** `apps/` or '' (project at the root): prefix of paths inside the Django folder. */
  djangoPrefix: string;
  /** The Django image's build context and Dockerfile, relative to the repository root. */
  djangoContext: string;
  djangoDockerfile: string;
  /** A team's project: the deployment's files live apart from theirs (RunState.separateFiles). */
  separateFiles: boolean;
  /** Folder of the Django image's Dockerfile, entrypoint.sh and gunicorn.conf.py, from the repository root. */
  deployPrefix: string;
  /** The same folder inside the image, relative to its WORKDIR /app: '' or `copilot_deploy/`. */
  imageDeployDir: string;
  /** The nginx sidecar's build context, from the repository root. */
  nginxDir: string;
  /** The local stand-in of the task. */
  composeFile: string;
  /** The deployment guide's path (guide.ts): copilot/README.md, or README.md where an earlier version wrote it. */
  guide: string;
  staticRoot: string;
  staticUrl: string;
  staticVolume: string;
  djangoPort: number;
  nginxPort: number;
  nginxContainer: string;
  healthPath: string;
  /** The load balancer's health check (its path is healthPath). */
  healthCheck: HealthCheckPlan;
  /**
   * The target group's deregistration delay, in seconds: after SIGTERM nginx and gunicorn keep serving this long, so
   * that a task stopped before the load balancer has deregistered it (a Spot interruption) drops no request.
   */
  drainSeconds: number;
  /** The environments' VPC (Copilot's default; the environment manifests set no `network.vpc`): nginx's trusted hops. */
  vpcCidr: string;
  /** The image of the Django release the project runs (versions.ts, like the images and versions below). */
  pythonImage: string;
  nginxImage: string;
  /** The stand-in for Aurora in docker-compose.yml: the same PostgreSQL major. */
  localPostgresImage: string;
  /** The lines of a new project's requirements.txt (requirements.ts). */
  newProjectRequirements: string[];
  uid: number;
  gid: number;
  settingsModule: string;
  wsgiApplication: string;
  cpu: number;
  memory: number;
  gunicornWorkers: number;
  gunicornThreads: number;
  copilotVersion: string;
  /** The runtime Copilot's release renders its Lambda functions with, which the YAML patches replace. */
  copilotLambdaRuntime: string;
  /** The runtime the YAML patches give Copilot's Lambda functions (lambdas.ts). */
  lambdaRuntime: string;
  /** The CodeBuild image each pipeline builds on. */
  codebuildImage: string;
  copilotSigningKey: { path: string; fingerprint: string };
  environments: EnvironmentPlan[];
  source?: PipelineSource;
  /** What the manifest gives the environment variables a team's settings read (settings-environment.ts). */
  settingsEnvironment: SettingsEnvironment;
  /** The environment's database and the service's keys that read it; absent when the service stack holds one. */
  database?: DatabasePlan;
  /** Uploaded files on S3 (--media s3): a private bucket per environment. */
  media: boolean;
  /** Uploaded files on the container's disk when no bucket is configured: the image's folder, owned by the app's user. */
  mediaRoot: string;
  /** A Celery worker service (--worker celery): a Backend Service on the Django image, Redis as its broker. */
  worker?: WorkerPlan;
  /** Scheduled jobs (--jobs): Django's housekeeping on the service's image; undefined without --jobs. */
  job?: JobPlan;
  /** What each pipeline packages (buildspec) and deploys (manifest), in order. */
  pipelineWorkloads: PipelineWorkload[];
  pipelineServices: string[];
  pipelineJobs: string[];
  /** What deploys the project (--target): 'copilot', or 'cdk' (the Copilot files and an AWS CDK app in infra/). */
  target: string;
  /** The CDK app's values (infra.ts); undefined unless --target cdk. */
  infra?: InfraPlan;
}

/** A workload each pipeline packages and deploys, after those it depends on. */
export interface PipelineWorkload {
  name: string;
  kind: 'svc' | 'job';
  dependsOn: string[];
  /** Why it waits, for the manifest's comment. */
  why?: string;
}

/**
 * The service first; the worker and the job after it, so they run the image the service was just deployed with, on
 * the database its start migrated.
 */
function pipelineWorkloads(service: string, worker: WorkerPlan | undefined, job: JobPlan | undefined): PipelineWorkload[] {
  return [
    { name: service, kind: 'svc', dependsOn: [] },
    ...(worker ? [{ name: worker.name, kind: 'svc' as const, dependsOn: [service], why: "the worker runs the service's image, on the database its start migrated" }] : []),
    ...(job ? [{ name: job.name, kind: 'job' as const, dependsOn: [service], why: 'the job runs the image the service was just deployed with, on the database its start migrated' }] : []),
  ];
}

/** A Copilot Scheduled Job running a management command on the service's Django image. */
export interface JobPlan {
  /** The job's Copilot name (copilot/<name>/manifest.yml), one per application. */
  name: string;
  /** Copilot's `on.schedule`: cron in UTC (5 fields), @daily, @every 6h. */
  schedule: string;
  /** Copilot's `timeout`: a run longer than this is stopped. */
  timeout: string;
  /** Runs tried again after a failed one. */
  retries: number;
  /** The container's entrypoint, in place of the image's (entrypoint.sh, the start-up steps), and its arguments. */
  entryPoint: string[];
  command: string[];
  /** Its task's size: a management command needs less than the service's gunicorn and nginx. */
  cpu: number;
  memory: number;
}

/** Django's housekeeping: expired sessions out of the database (django-admin clearsessions), nightly. */
export const HOUSEKEEPING_JOB: JobPlan = { name: HOUSEKEEPING_JOB_NAME, schedule: '17 3 * * *', timeout: '15m', retries: 1, entryPoint: ['python', 'manage.py'], command: ['clearsessions'], cpu: 256, memory: 512 };

/** The Celery worker (--worker celery): a Copilot Backend Service running the service's Django image. */
export interface WorkerPlan {
  /** Its Copilot name (copilot/<name>/manifest.yml): the service's name and `-worker`, within Copilot's 32 characters. */
  name: string;
  /** The Celery application `celery -A` loads: the deployment package's, for new and existing projects alike. */
  celeryApp: string;
  /** Worker processes (prefork): two on the task's half vCPU, as gunicorn's workers. */
  concurrency: number;
  /** The container's command: the Celery worker of `celeryApp` with `concurrency` processes. */
  command: string[];
  /** DJANGO_START_UP in the worker's manifest: the entrypoint waits for migrations instead of running the start-up steps. */
  startUp: string;
  /** Redis OSS's major version on ElastiCache Serverless, and the image of the same major docker-compose.yml runs. */
  redisMajorVersion: string;
  localRedisImage: string;
  /** Export names after `${App}-${Env}-` of the Redis addon (copilot/environments/addons/redis.yml). */
  brokerUrlExport: string;
  securityGroupExport: string;
}

/** `<service>-worker`, the service's name cut so the whole stays a Copilot name of at most 32 characters. */
export function workerName(service: string): string {
  const suffix = '-worker';
  return `${service.slice(0, 32 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export function planWorker(service: string): WorkerPlan {
  const celeryApp = 'copilot_deploy.celery';
  const concurrency = 2;
  return {
    name: workerName(service),
    celeryApp,
    concurrency,
    command: ['celery', '-A', celeryApp, 'worker', '--loglevel', 'INFO', '--concurrency', String(concurrency)],
    startUp: 'wait-for-migrations',
    redisMajorVersion: VERSIONS.redis.major,
    localRedisImage: VERSIONS.redis.localImage,
    brokerUrlExport: 'redisBrokerUrl',
    securityGroupExport: 'redisSecurityGroup',
  };
}

/** Task size: 0.5 vCPU and 1 GiB hold gunicorn and nginx with room for the admin; Fargate's valid pair. */
const TASK_CPU = 512;
const TASK_MEMORY = 1024;

/**
 * gunicorn on a Fargate share of a CPU: threads (gthread) carry the I/O waits of a Django app, processes the CPU.
 * gunicorn's own rule, (2 × vCPU) + 1 processes (vCPU = CPU units / 1024), at least two so one busy request never
 * stalls the health check: 2 at 256 and 512 units, 3 at 1024, 5 at 2048; 4 threads each.
 */
export function gunicornSize(cpuUnits: number): { workers: number; threads: number } {
  return { workers: Math.max(2, Math.round(cpuUnits / 512) + 1), threads: 4 };
}

/** CodeStar connection names are at most 32 characters. */
const CONNECTION_NAME_MAX = 32;

function planEnvironments(answers: Answers, state: RunState = NO_STATE): EnvironmentPlan[] {
  return parseBranches(answers.branches).map(({ branch, environment }) => {
    const production = isProductionEnvironment(environment);
    return {
      name: environment,
      branch,
      spot: answers.spot,
      production,
      pipelineName: `${answers.app}-${branchSlug(branch)}`,
      count: production ? 2 : 1,
      onDemand: answers.spot && production ? 1 : 0,
      spotSwitch: state.spotSwitch.includes(environment),
      databaseCapacity: databaseCapacity(production),
    };
  });
}

function planSource(answers: Answers): PipelineSource | undefined {
  const repository = answers.repository ? parseRepository(answers.repository) : undefined;
  if (!repository) return undefined;
  if (repository.provider === 'CodeCommit') return repository;
  const connectionName = `${answers.app}-${repository.provider.toLowerCase()}`.slice(0, CONNECTION_NAME_MAX).replace(/-+$/, '');
  return { ...repository, connectionName };
}

/** The service manifest's `http.healthcheck` (the Copilot manifest's values, the CDK app's target group). */
const HEALTH_CHECK: HealthCheckPlan = { path: '/healthz/', successCodes: '200', healthyThreshold: 2, unhealthyThreshold: 3, intervalSeconds: 10, timeoutSeconds: 5, gracePeriodSeconds: 120 };

export function planContext(answers: Answers, state: RunState = NO_STATE, project?: ExistingProject): TemplateContext {
  const { workers, threads } = gunicornSize(TASK_CPU);
  const existing = state.existingProject && project !== undefined;
  const requirementsFile = existing ? (project.requirements?.file ?? 'requirements.txt') : 'requirements.txt';
  const separateFiles = existing && state.separateFiles;
  const djangoPrefix = answers.djangoDir === '.' ? '' : `${answers.djangoDir}/`;
  const imageDeployDir = separateFiles ? 'copilot_deploy/' : '';
  const job = answers.jobs ? HOUSEKEEPING_JOB : undefined;
  const worker = answers.worker === 'celery' ? planWorker(answers.service) : undefined;
  const workloads = pipelineWorkloads(answers.service, worker, job);
  const context: TemplateContext = {
    existingProject: existing,
    userSettingsModule: existing ? project.baseSettingsModule : 'config.settings',
    requirementsFile,
    hasOwnRequirements: existing && project.requirements !== undefined,
    requirementsKind: (existing && project.requirements?.kind) || 'txt',
    requirementsCopy: requirementsFile.includes('/') ? `${requirementsFile.slice(0, requirementsFile.lastIndexOf('/'))}/` : requirementsFile,
    app: answers.app,
    service: answers.service,
    domain: answers.domain,
    https: answers.domain !== '',
    djangoDir: answers.djangoDir,
    djangoPrefix,
    djangoContext: answers.djangoDir,
    djangoDockerfile: `${djangoPrefix}${imageDeployDir}Dockerfile`,
    separateFiles,
    deployPrefix: `${djangoPrefix}${imageDeployDir}`,
    imageDeployDir,
    nginxDir: separateFiles ? `copilot/${answers.service}/nginx` : 'nginx',
    composeFile: separateFiles ? 'docker-compose.copilot.yml' : 'docker-compose.yml',
    guide: state.guideAtRoot ? ROOT_README : GUIDE,
    staticRoot: '/srv/static',
    staticUrl: '/static/',
    staticVolume: 'static',
    djangoPort: 8000,
    nginxPort: 8080,
    nginxContainer: 'nginx',
    healthPath: HEALTH_CHECK.path,
    healthCheck: HEALTH_CHECK,
    drainSeconds: 30,
    vpcCidr: '10.0.0.0/16',
    pythonImage: pythonImageFor(existing ? project.djangoVersion : VERSIONS.django.release),
    nginxImage: VERSIONS.nginx.image,
    localPostgresImage: VERSIONS.postgresql.localImage,
    newProjectRequirements: newProjectRequirements({ worker: answers.worker === 'celery', media: answers.media === 's3' }),
    uid: 1000,
    gid: 1000,
    settingsModule: 'copilot_deploy.settings',
    wsgiApplication: existing ? project.wsgiApplication : 'config.wsgi:application',
    cpu: TASK_CPU,
    memory: TASK_MEMORY,
    gunicornWorkers: workers,
    gunicornThreads: threads,
    copilotVersion: VERSIONS.copilot.version,
    copilotLambdaRuntime: VERSIONS.copilot.renderedLambdaRuntime,
    lambdaRuntime: VERSIONS.lambdaRuntime,
    codebuildImage: VERSIONS.codebuild.image,
    copilotSigningKey: COPILOT_SIGNING_KEY,
    environments: planEnvironments(answers, state),
    source: planSource(answers),
    settingsEnvironment: planSettingsEnvironment(existing ? project.environmentReads : [], {
      domain: answers.domain,
      https: answers.domain !== '',
      provided: PROVIDED_ENVIRONMENT,
    }),
    database: state.environmentDatabase ? planDatabase(answers.app) : undefined,
    media: answers.media === 's3',
    mediaRoot: '/srv/media',
    worker,
    job,
    pipelineWorkloads: workloads,
    pipelineServices: workloads.filter((workload) => workload.kind === 'svc').map((workload) => workload.name),
    pipelineJobs: workloads.filter((workload) => workload.kind === 'job').map((workload) => workload.name),
    target: answers.target,
  };
  // Set either way: a template asks `if (infra)`.
  context.infra = answers.target === 'cdk' ? planInfra({ ...context, databaseName: planDatabase(answers.app).name, databaseSecretExport: planDatabase(answers.app).secretExport }) : undefined;
  return context;
}
