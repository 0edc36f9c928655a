/**
 * The ECS task of the generated CDK app (infra/), read from one environment's SYNTHESIZED CloudFormation template as
 * ECS would receive it, never from the Copilot manifest: the AWS::ECS::TaskDefinition's container definitions
 * (names, port mappings, mount points, environment, secrets, StopTimeout, entry point and command) and volumes (EFS,
 * with the AWS::EFS::AccessPoint's POSIX user), the AWS::ECS::Service's load balancer target and its target group's
 * health check, and each container's image traced through cdk.out's asset manifests (`*.assets.json`
 * dockerImages) to the staged build context `cdk deploy` builds it from.
 * A stack holds the web service's task definition and, with the worker and the job, theirs: the web service's is the
 * one a load balancer targets, the others are chosen by their container's name.
 * The result has the shape test/support/task/manifest.ts gives a Copilot task (a worker's or a job's: no load balancer
 * target, as a Backend Service's or a Scheduled Job's), so the same simulation starts it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, type Image } from './images.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS, withoutLoadBalancer, type ContainerDefinition, type Mount, type TaskDefinition } from './manifest.js';
import type { Deployment, Simulation } from './simulation.js';

type Doc = Record<string, any>;

interface Resource {
  Type: string;
  Properties?: Doc;
}

/** The value of a secret that is the database's generated secret: `rds-cluster-secret:<logical id of the cluster>`. */
export const DATABASE_SECRET_PREFIX = 'rds-cluster-secret:';

function resources(template: Doc): Record<string, Resource> {
  return (template.Resources ?? {}) as Record<string, Resource>;
}

/** The AWS::ECS::Service resources that run task definition `taskId`. */
function servicesRunning(template: Doc, taskId: string): Resource[] {
  return Object.values(resources(template)).filter((candidate) => candidate.Type === 'AWS::ECS::Service' && candidate.Properties?.TaskDefinition?.Ref === taskId);
}

/**
 * The task definition whose container is named `containerName`, or, without a name, the one a service runs behind a
 * load balancer (the web service's).
 */
function selectTaskDefinition(template: Doc, containerName: string | undefined): [string, Resource] {
  const definitions = Object.entries(resources(template)).filter(([, resource]) => resource.Type === 'AWS::ECS::TaskDefinition');
  const found =
    containerName === undefined
      ? definitions.filter(([id]) => servicesRunning(template, id).some((service) => ((service.Properties?.LoadBalancers ?? []) as Doc[]).length > 0))
      : definitions.filter(([, task]) => ((task.Properties?.ContainerDefinitions ?? []) as Doc[]).some((container) => container.Name === containerName));
  const wanted = containerName === undefined ? 'a load balancer targets' : `have a container named ${containerName}`;
  if (found.length !== 1) throw new Error(`${found.length} of the synthesized template's ${definitions.length} AWS::ECS::TaskDefinition resources ${wanted}, the simulation reads one`);
  return found[0];
}

/**
 * Whether a Step Functions state machine of the template runs task definition `taskId` (a scheduled job's run): a
 * Task state of `ecs:runTask` naming it, by its family (its latest revision, as CDK's EcsRunTask writes it) or by Ref.
 */
function stateMachineRuns(template: Doc, taskId: string, task: Resource): boolean {
  // The state machine's definition as text: an Fn::Join's literal parts, each intrinsic function as its JSON.
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as Doc | undefined)?.['Fn::Join'] as [string, unknown[]] | undefined;
    return join ? join[1].map(text).join(join[0]) : JSON.stringify(value);
  };
  const names = [`"TaskDefinition":"${String(task.Properties?.Family)}"`, `"TaskDefinition":"${JSON.stringify({ Ref: taskId })}"`];
  return Object.values(resources(template)).some((candidate) => {
    if (candidate.Type !== 'AWS::StepFunctions::StateMachine') return false;
    const definition = text(candidate.Properties?.DefinitionString);
    return definition.includes(':states:::ecs:runTask') && names.some((name) => definition.includes(name));
  });
}

/** The logical id a `{ Ref: id }` names. */
function refOf(value: unknown, where: string): string {
  if (typeof value === 'object' && value !== null && typeof (value as Doc).Ref === 'string') return (value as Doc).Ref as string;
  throw new Error(`${where}: expected a Ref, found ${JSON.stringify(value)}`);
}

function resource(template: Doc, id: string, type: string): Resource {
  const found = resources(template)[id];
  if (!found || found.Type !== type) throw new Error(`the synthesized template has no ${type} ${id}`);
  return found;
}

/**
 * A string the deployment knows before it runs: a literal, or an Fn::Join of literals and the pseudo parameters whose
 * value the template's own environment fixes (aws partition); undefined for anything a deployed resource gives.
 */
function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const doc = value as Doc;
  if (doc.Ref === 'AWS::Partition') return 'aws';
  if (Array.isArray(doc['Fn::Join'])) {
    const [separator, parts] = doc['Fn::Join'] as [string, unknown[]];
    const strings = parts.map(literal);
    return strings.every((part) => part !== undefined) ? strings.join(separator) : undefined;
  }
  return undefined;
}

/**
 * What a container secret's ValueFrom points at: the SSM parameter's name (`/copilot/<app>/<env>/secrets/NAME`, the
 * form Copilot's manifest gives), or the database cluster's generated secret (DATABASE_SECRET_PREFIX + its cluster).
 */
function secretSource(template: Doc, name: string, valueFrom: unknown): string {
  const arn = literal(valueFrom);
  if (arn !== undefined) {
    const parameter = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.+)$/.exec(arn)?.[1];
    if (parameter) return parameter;
    throw new Error(`secret ${name}: ${arn} is not an SSM parameter the simulation knows how to hand over`);
  }
  const id = refOf(valueFrom, `secret ${name}`);
  const secret = resources(template)[id];
  // Secrets Manager's ARN of the secret as the attachment completed it (host and port added), or of the secret itself.
  const attached = secret?.Type === 'AWS::SecretsManager::SecretTargetAttachment' ? secret.Properties ?? {} : undefined;
  if (!attached || attached.TargetType !== 'AWS::RDS::DBCluster') throw new Error(`secret ${name}: ${id} is not a secret attached to a database cluster`);
  const cluster = refOf(attached.TargetId, `secret ${name}'s attachment ${id}`);
  resource(template, cluster, 'AWS::RDS::DBCluster');
  return `${DATABASE_SECRET_PREFIX}${cluster}`;
}

interface DockerImageAsset {
  /** The directory of the asset manifest that lists it (a stage's manifests are in `assembly-<stage>/`). */
  manifestDirectory: string;
  source: { directory: string; dockerFile?: string; dockerBuildArgs?: unknown; dockerBuildTarget?: unknown; dockerBuildSecrets?: unknown };
  destinations: Record<string, { imageTag?: string }>;
}

/** Every Docker image asset of cdk.out's asset manifests (its stages' too), by the tag it is pushed with. */
function dockerImageAssets(cdkOut: string): Map<string, DockerImageAsset> {
  const assets = new Map<string, DockerImageAsset>();
  const directories = [cdkOut, ...readdirSync(cdkOut).filter((name) => name.startsWith('assembly-')).map((name) => join(cdkOut, name))];
  for (const directory of directories) {
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.assets.json'))) {
      const manifest = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { dockerImages?: Record<string, Omit<DockerImageAsset, 'manifestDirectory'>> };
      for (const [hash, listed] of Object.entries(manifest.dockerImages ?? {})) {
        const asset = { ...listed, manifestDirectory: directory };
        for (const destination of [hash, ...Object.values(asset.destinations).map((target) => target.imageTag)]) if (destination) assets.set(destination, asset);
      }
    }
  }
  return assets;
}

/** The staged build context and Dockerfile of a container's `Image` (an asset's repository URI, `…:<tag>`). */
function buildPaths(cdkOut: string, assets: Map<string, DockerImageAsset>, container: string, image: unknown): { dockerfile: string; context: string } {
  const uri = typeof image === 'string' ? image : typeof image === 'object' && image !== null ? (image as Doc)['Fn::Sub'] : undefined;
  const tag = typeof uri === 'string' ? /:([^:/]+)$/.exec(uri)?.[1] : undefined;
  const asset = tag ? assets.get(tag) : undefined;
  if (!asset) throw new Error(`container ${container}: its image ${JSON.stringify(image)} is no Docker image asset of ${cdkOut}`);
  const { source } = asset;
  if (source.dockerBuildArgs || source.dockerBuildTarget || source.dockerBuildSecrets) {
    throw new Error(`container ${container}: its image asset has build arguments, a target or secrets, which the simulation's builder does not apply`);
  }
  const context = join(asset.manifestDirectory, source.directory);
  return { context, dockerfile: join(context, source.dockerFile ?? 'Dockerfile') };
}

/** A container's environment: the literal values, and those a deployed resource gives (name → what gives it). */
function environment(entries: Array<{ Name: string; Value: unknown }>): Pick<ContainerDefinition, 'variables' | 'variableExports'> {
  const variables: Record<string, string> = {};
  const variableExports: Record<string, string> = {};
  for (const { Name: name, Value: value } of entries) {
    const known = literal(value);
    if (known !== undefined) variables[name] = known;
    else variableExports[name] = JSON.stringify(value);
  }
  return { variables, variableExports };
}

const stringList = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map(String) : undefined);

/**
 * A task of `environment`'s stack: `synthesizedTemplate` is that stack's template from `<projectDir>/infra/cdk.out`
 * (support/cdk.ts synthesize). `containerName` picks the task definition holding that container (the worker's
 * `django-worker`, the job's `housekeeping`); without it, the web service's. `app` and `service` are the names the
 * task's variables give the Django code (COPILOT_APPLICATION_NAME, COPILOT_SERVICE_NAME); `manifest` holds only what
 * the simulation reads of a manifest, the target group's thresholds as `http.healthcheck` (nothing for a task without
 * a load balancer). Variables a deployed resource gives (the load balancer's DNS name, Redis's endpoint) are in each
 * container's variableExports: the test hands their values over.
 */
export function readCdkTaskDefinition(projectDir: string, environmentName: string, synthesizedTemplate: Record<string, any>, containerName?: string): TaskDefinition {
  const template = synthesizedTemplate;
  const cdkOut = join(projectDir, 'infra', 'cdk.out');
  if (!existsSync(cdkOut)) throw new Error(`${cdkOut} does not exist: synthesize the app first`);
  const [taskId, task] = selectTaskDefinition(template, containerName);
  const properties = task.Properties ?? {};
  const assets = dockerImageAssets(cdkOut);

  const volumes: TaskDefinition['volumes'] = {};
  for (const volume of (properties.Volumes ?? []) as Doc[]) {
    const efs = volume.EFSVolumeConfiguration as Doc | undefined;
    if (!efs) {
      volumes[volume.Name] = {};
      continue;
    }
    const accessPointId = efs.AuthorizationConfig?.AccessPointId;
    const user = accessPointId ? (resource(template, refOf(accessPointId, `volume ${volume.Name}`), 'AWS::EFS::AccessPoint').Properties?.PosixUser as Doc | undefined) : undefined;
    volumes[volume.Name] = { efs: { uid: user ? Number(user.Uid) : undefined, gid: user ? Number(user.Gid) : undefined } };
  }

  const definitions = (properties.ContainerDefinitions ?? []) as Doc[];
  const stopTimeouts: Record<string, number> = {};
  const containers = definitions.map((definition): ContainerDefinition => {
    const name = String(definition.Name);
    stopTimeouts[name] = definition.StopTimeout === undefined ? DEFAULT_STOP_TIMEOUT_SECONDS : Number(definition.StopTimeout);
    const mounts: Mount[] = ((definition.MountPoints ?? []) as Doc[]).map((mount) => {
      if (!(mount.SourceVolume in volumes)) throw new Error(`container ${name} mounts ${mount.SourceVolume}, which the task definition does not define`);
      // ECS: a mount point is read-write unless ReadOnly is true.
      return { volume: String(mount.SourceVolume), path: String(mount.ContainerPath), readOnly: mount.ReadOnly === true };
    });
    const secrets = (definition.Secrets ?? []) as Array<{ Name: string; ValueFrom: unknown }>;
    const ports = ((definition.PortMappings ?? []) as Doc[]).map((mapping) => Number(mapping.ContainerPort));
    return {
      name,
      ...buildPaths(cdkOut, assets, name, definition.Image),
      port: ports[0],
      mounts,
      ...environment((definition.Environment ?? []) as Array<{ Name: string; Value: unknown }>),
      secrets: secrets.map((secret) => secret.Name),
      secretParameters: Object.fromEntries(secrets.map((secret) => [secret.Name, secretSource(template, secret.Name, secret.ValueFrom)])),
      entrypoint: stringList(definition.EntryPoint),
      command: stringList(definition.Command),
    };
  });
  if (containers.length === 0) throw new Error(`task definition ${taskId} has no containers`);

  // The names the synthesized task gives the Django code (copilot_deploy/hosts.py, environment.py).
  const main = containers.find((container) => container.variables.COPILOT_SERVICE_NAME !== undefined);
  if (!main) throw new Error('no container of the task sets COPILOT_SERVICE_NAME');
  if (main.variables.COPILOT_ENVIRONMENT_NAME !== environmentName) {
    throw new Error(`the template is environment ${main.variables.COPILOT_ENVIRONMENT_NAME}'s (COPILOT_ENVIRONMENT_NAME), not ${environmentName}'s`);
  }
  // The simulation's main container (Django) first, as manifest.ts orders them; the others in the template's order.
  const ordered = [main, ...containers.filter((container) => container !== main)];
  const names = { projectDir, app: main.variables.COPILOT_APPLICATION_NAME, service: main.variables.COPILOT_SERVICE_NAME, environment: environmentName };

  const services = servicesRunning(template, taskId);
  if (services.length > 1) throw new Error(`${services.length} services run task definition ${taskId}, the simulation reads one`);
  const balancers = (services[0]?.Properties?.LoadBalancers ?? []) as Doc[];
  if (balancers.length === 0) {
    // A worker's service, or a job's task that a state machine runs: nothing connects to it.
    if (services.length === 0 && !stateMachineRuns(template, taskId, task)) throw new Error(`neither a service nor a state machine runs task definition ${taskId}`);
    return withoutLoadBalancer({ ...names, containers: ordered, volumes, stopTimeouts, manifest: {} });
  }
  if (balancers.length !== 1) throw new Error(`the service has ${balancers.length} load balancer targets, the simulation reads one`);
  const target = { container: String(balancers[0].ContainerName), port: Number(balancers[0].ContainerPort) };
  const targetContainer = definitions.find((definition) => definition.Name === target.container);
  if (!targetContainer) throw new Error(`the load balancer targets container ${target.container}, which the task definition does not define`);
  if (!((targetContainer.PortMappings ?? []) as Doc[]).some((mapping) => mapping.ContainerPort === target.port)) {
    throw new Error(`the load balancer targets port ${target.port} of ${target.container}, which maps no such port`);
  }
  const group = resource(template, refOf(balancers[0].TargetGroupArn, 'the service\'s target group'), 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties ?? {};
  // Elastic Load Balancing's defaults where the target group sets none.
  const healthCheck = { path: String(group.HealthCheckPath ?? '/'), successCodes: String(group.Matcher?.HttpCode ?? '200') };

  return {
    ...names,
    containers: ordered,
    target,
    healthCheck,
    volumes,
    stopTimeouts,
    manifest: {
      http: {
        healthcheck: {
          path: healthCheck.path,
          success_codes: healthCheck.successCodes,
          // Elastic Load Balancing's defaults for an HTTP target group of type ip.
          healthy_threshold: Number(group.HealthyThresholdCount ?? 5),
          unhealthy_threshold: Number(group.UnhealthyThresholdCount ?? 2),
        },
      },
    },
  };
}

/**
 * What `cdk deploy` would deploy of the synthesized task, in `simulation`: the definition and its images, built from
 * the staged contexts in cdk.out. `loadBalancerDns` stands for the load balancer's DNSName the template's
 * Fn::GetAtt gives COPILOT_LB_DNS: hand it over as a variable (the definition lists it in variableExports).
 */
export async function deployCdkTask(simulation: Simulation, definition: TaskDefinition): Promise<Deployment> {
  const images: Record<string, Image> = {};
  for (const container of definition.containers) {
    images[container.name] = await buildImage(simulation.scratch, `cdk-${definition.app}-${definition.service}-${container.name}-${randomBytes(3).toString('hex')}`, container.dockerfile, container.context);
  }
  const loadBalancerDns = `${definition.app.slice(0, 5)}-Loa-${randomBytes(6).toString('hex').toUpperCase()}-${randomBytes(4).readUInt32BE() % 1_000_000_000}.us-east-1.elb.amazonaws.com`;
  return { definition, images, loadBalancerDns };
}
