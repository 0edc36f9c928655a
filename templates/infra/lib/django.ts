/**
 * What every task of the Django image receives, as the Copilot manifests give it to the web service, the worker and
 * the job alike: the image built from the same Dockerfile, the manifests' variables and the names Copilot sets in
 * every task, the Django secrets from Copilot's SSM parameters, the database's secret as DB_SECRET, the environment's
 * media bucket and Redis when the project has them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, IgnoreMode, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { MediaBucket } from './media';
import type { Environment, Project } from './project';
import type { Redis } from './worker';

/** The repository's root, from build/lib/ where this file runs compiled: the images' build contexts are relative to it. */
export const REPOSITORY = join(__dirname, '..', '..', '..');

/** The secrets of the first superuser: only the web service's start creates it, so only its task receives them. */
const SUPERUSER_SECRETS = ['DJANGO_SUPERUSER_USERNAME', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD'];

/** What the environment gives every task of the Django image. */
export interface DjangoResources {
  project: Project;
  environment: Environment;
  databaseSecret: secretsmanager.ISecret;
  media?: MediaBucket;
  redis?: Redis;
}

/**
 * What CDK leaves out when it copies the image's build context into cdk.out, before Docker sees it: the app's own
 * exclusions, the context's .dockerignore (CDK reads it), and the patterns of the Dockerfile's own ignore file
 * (`<Dockerfile>.dockerignore`), which BuildKit reads instead of the context's, as Copilot's build does. Without
 * them a project's .env and virtualenv would be copied into cdk.out. The Dockerfile and its ignore file stay in the
 * copy: Docker reads them there.
 */
function imageExclude(project: Project): string[] {
  const { context, dockerfile, exclude } = project.django;
  const ignoreFile = join(REPOSITORY, context, `${dockerfile}.dockerignore`);
  if (!existsSync(ignoreFile)) return exclude;
  const patterns = readFileSync(ignoreFile, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && line !== dockerfile && line !== `${dockerfile}.dockerignore`);
  return [...exclude, ...patterns];
}

/** The Django image: one build of the Copilot manifests' Dockerfile and context, for every task that runs it. */
export function djangoImage(project: Project): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(join(REPOSITORY, project.django.context), {
    file: project.django.dockerfile,
    exclude: imageExclude(project),
    ignoreMode: IgnoreMode.DOCKER,
    platform: Platform.LINUX_AMD64,
  });
}

/**
 * The variables of the Copilot manifests (`variables`), the names Copilot sets in every task, which the Django code
 * reads (copilot_deploy/environment.py: the task runs in the cloud), and the media bucket's and Redis's addresses.
 */
export function djangoVariables(resources: DjangoResources, workload: string, extra: Record<string, string> = {}): Record<string, string> {
  const { project, environment, media, redis } = resources;
  return {
    ...project.variables,
    COPILOT_APPLICATION_NAME: project.app,
    COPILOT_ENVIRONMENT_NAME: environment.name,
    COPILOT_SERVICE_NAME: workload,
    ...(media && project.media ? { [project.media.variable]: media.bucket.bucketName } : {}),
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...extra,
  };
}

/**
 * The parameters `copilot secret init` created (a migrating team keeps its values), by the container variable that
 * receives each, and the database's secret as DB_SECRET; the first superuser's only with `superuser`.
 */
export function djangoSecrets(scope: Construct, resources: DjangoResources, { superuser }: { superuser: boolean }): Record<string, ecs.Secret> {
  const { project, environment } = resources;
  const secrets: Record<string, ecs.Secret> = { DB_SECRET: ecs.Secret.fromSecretsManager(resources.databaseSecret) };
  for (const [variable, name] of Object.entries(project.secrets)) {
    if (!superuser && SUPERUSER_SECRETS.includes(variable)) continue;
    const parameterName = `/copilot/${project.app}/${environment.name}/secrets/${name}`;
    secrets[variable] = ecs.Secret.fromSsmParameter(ssm.StringParameter.fromSecureStringParameterAttributes(scope, variable, { parameterName }));
  }
  return secrets;
}

/** The task role's access to what the environment holds for the Django code: the media bucket's objects. */
export function grantDjangoTask(resources: DjangoResources, taskDefinition: ecs.TaskDefinition): void {
  resources.media?.grantObjects(taskDefinition.taskRole);
}

/**
 * Fargate Spot as the Copilot manifests' count.range.spot_from: the first `onDemand` tasks on regular Fargate, the
 * others on Spot. Always a strategy, never a launch type: moving between Fargate and Spot is then an in-place update.
 */
export function capacityProviderStrategies(environment: Environment): ecs.CapacityProviderStrategy[] {
  if (!environment.spot) return [{ capacityProvider: 'FARGATE', weight: 1 }];
  return [
    { capacityProvider: 'FARGATE', base: environment.onDemand, weight: 0 },
    { capacityProvider: 'FARGATE_SPOT', weight: 1 },
  ];
}

/** A task of one container of the Django image, no port: the worker's, the job's. */
export interface DjangoWorkloadProps {
  /** The workload's name: its container's, COPILOT_SERVICE_NAME and its log streams' prefix. */
  name: string;
  cpu: number;
  memory: number;
  command: string[];
  /** Replaces the image's entrypoint (entrypoint.sh), when given. */
  entryPoint?: string[];
  variables?: Record<string, string>;
  /** Seconds between SIGTERM and SIGKILL; ECS's default when not given. */
  stopTimeoutSeconds?: number;
}

/**
 * The task definition of a workload of the Django image, in `scope`: the environment's grants, and its one container
 * with the variables and the secrets but the first superuser's, logging to a log group of its own.
 */
export function djangoWorkload(scope: Construct, resources: DjangoResources, props: DjangoWorkloadProps): ecs.FargateTaskDefinition {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    cpu: props.cpu,
    memoryLimitMiB: props.memory,
    // Fargate Spot runs only on x86_64.
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
  grantDjangoTask(resources, taskDefinition);
  taskDefinition.addContainer(props.name, {
    image: djangoImage(resources.project),
    ...(props.entryPoint ? { entryPoint: props.entryPoint } : {}),
    command: props.command,
    environment: djangoVariables(resources, props.name, props.variables),
    secrets: djangoSecrets(scope, resources, { superuser: false }),
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: props.name }),
    ...(props.stopTimeoutSeconds ? { stopTimeout: Duration.seconds(props.stopTimeoutSeconds) } : {}),
  });
  Validations.of(taskDefinition).acknowledge(...[
    { id: 'AwsSolutions-ECS2', reason: 'The variables are the Copilot manifest\'s and the names Copilot sets: no secret among them; the secrets come from SSM and Secrets Manager.' },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Actions that name no resource, written by CDK: the execution role\'s ecr:GetAuthorizationToken (the image\'s registry login), and where ECS Exec is on (a service outside production) its ssmmessages channels.',
    },
  ]);
  return taskDefinition;
}
