/**
 * The ECS task a Copilot Load Balanced Web Service (or Backend Service) manifest describes, read as Copilot reads it: the workspace's
 * application, the service manifest merged with one environment's override (`environments.<env>`: maps merged
 * key by key, lists and scalars replaced), the main container from `image`, one container per `sidecars` entry,
 * the volumes and where each container mounts them, and what the load balancer targets.
 * Reference: copilot-cli internal/pkg/manifest (lb_web_svc.go, workload_ecs.go, storage.go, http.go, transform.go).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

type Doc = Record<string, unknown>;

export interface Mount {
  volume: string;
  path: string;
  readOnly: boolean;
}

export interface ContainerDefinition {
  name: string;
  /** Absolute paths of the Dockerfile and of the build context. */
  dockerfile: string;
  context: string;
  /** The manifest's port for this container (image.port or sidecars.<name>.port). */
  port?: number;
  mounts: Mount[];
  /** The manifest's `variables` for this container (after the environment's override). */
  variables: Record<string, string>;
  /** Variables whose value is a CloudFormation export (`from_cfn`), name → export: the caller hands the values over. */
  variableExports?: Record<string, string>;
  /** Secret names (`secrets` keys); the values are handed over by the caller, as SSM would. */
  secrets: string[];
  /** Each secret's SSM parameter name (`/copilot/<app>/<env>/secrets/NAME`), or `from_cfn:<export>`. */
  secretParameters: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
}

export interface TaskDefinition {
  projectDir: string;
  app: string;
  service: string;
  environment: string;
  /** The main container first, then the sidecars in manifest order. */
  containers: ContainerDefinition[];
  /** The load balancer's target: `http.target_container` (default: the main container) and its port. */
  target: { container: string; port: number };
  healthCheck: { path: string; successCodes: string };
  volumes: Record<string, { efs?: { uid?: number; gid?: number } }>;
  /**
   * Each container's StopTimeout in seconds: how long ECS waits after SIGTERM before SIGKILL. From the service's
   * `overrides/cfn.patches.yml` (`/Resources/TaskDefinition/Properties/ContainerDefinitions/<i>/StopTimeout`,
   * containers in Copilot's order: the main one, then the sidecars by name); ECS's 30 s where none is patched.
   */
  stopTimeouts: Record<string, number>;
  /** The merged manifest, for anything else a test wants to read. */
  manifest: Doc;
}

const isMap = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Copilot's environment override (transform.go): maps merge recursively, everything else is replaced. */
export function mergeOverride(base: Doc, override: Doc): Doc {
  const merged: Doc = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null || value === undefined) continue;
    merged[key] = isMap(value) && isMap(base[key]) ? mergeOverride(base[key] as Doc, value) : value;
  }
  return merged;
}

export function readWorkspaceApp(projectDir: string): string {
  const workspace = parse(readFileSync(join(projectDir, 'copilot', '.workspace'), 'utf8')) as Doc;
  return String(workspace.application);
}

/** Folders under copilot/ holding a manifest.yml of the given kind (service type, or 'Environment'). */
export function manifestPaths(projectDir: string): { services: string[]; environments: string[]; pipelines: string[] } {
  const copilot = join(projectDir, 'copilot');
  const manifestsIn = (folder: string) =>
    existsSync(folder)
      ? readdirSync(folder)
          .map((name) => join(folder, name, 'manifest.yml'))
          .filter((path) => existsSync(path))
      : [];
  return {
    services: manifestsIn(copilot).filter((path) => !/\/(environments|pipelines)\//.test(path)),
    environments: manifestsIn(join(copilot, 'environments')),
    pipelines: manifestsIn(join(copilot, 'pipelines')),
  };
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.map(String) : String(value).split(/\s+/);
}

function portNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : Number.parseInt(String(value), 10);
}

function variables(value: unknown, where: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, variable] of Object.entries(isMap(value) ? value : {})) {
    if (isMap(variable)) throw new Error(`${where}.variables.${name}: from_cfn values cannot be simulated`);
    result[name] = String(variable);
  }
  return result;
}

/** A service's variables: the plain ones, and those from an export (`from_cfn`), whose values the test hands over. */
function serviceVariables(value: unknown): { variables: Record<string, string>; variableExports: Record<string, string> } {
  const doc = isMap(value) ? value : {};
  const plain = Object.fromEntries(Object.entries(doc).filter(([, variable]) => !isMap(variable)));
  return { variables: variables(plain, ''), variableExports: variableExports(doc) };
}

function variableExports(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(isMap(value) ? value : {})
      .filter(([, variable]) => isMap(variable))
      .map(([name, variable]) => [name, String((variable as Doc).from_cfn)]),
  );
}

/** Copilot's image.build: a Dockerfile path (context = its folder), or {dockerfile, context}. */
function buildPaths(projectDir: string, image: unknown, where: string): { dockerfile: string; context: string } {
  const build = isMap(image) ? image.build : undefined;
  if (typeof build === 'string') return { dockerfile: join(projectDir, build), context: join(projectDir, dirname(build)) };
  if (!isMap(build)) throw new Error(`${where}.image.build is missing: a prebuilt image.location cannot be simulated`);
  const context = typeof build.context === 'string' ? build.context : dirname(String(build.dockerfile));
  const dockerfile = typeof build.dockerfile === 'string' ? build.dockerfile : join(context, 'Dockerfile');
  return { dockerfile: join(projectDir, dockerfile), context: join(projectDir, context) };
}

function secretParameters(secrets: unknown): Record<string, string> {
  if (!isMap(secrets)) return {};
  return Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, isMap(value) ? `from_cfn:${String(value.from_cfn)}` : String(value)]));
}

/** ECS's StopTimeout when the task definition sets none. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

/** StopTimeouts the service's YAML patches set, by container name (see TaskDefinition.stopTimeouts). */
function stopTimeouts(serviceFolder: string, containers: ContainerDefinition[]): Record<string, number> {
  // Copilot's task definition: the main container, then the sidecars sorted by name (stack/transformers.go).
  const [main, ...sidecars] = containers;
  const order = [main.name, ...sidecars.map((sidecar) => sidecar.name).sort()];
  const timeouts: Record<string, number> = Object.fromEntries(order.map((name) => [name, DEFAULT_STOP_TIMEOUT_SECONDS]));
  const file = join(serviceFolder, 'overrides', 'cfn.patches.yml');
  if (!existsSync(file)) return timeouts;
  const patches = (parse(readFileSync(file, 'utf8')) ?? []) as Array<{ op?: string; path?: string; value?: unknown }>;
  for (const patch of patches) {
    const index = /^\/Resources\/TaskDefinition\/Properties\/ContainerDefinitions\/(\d+)\/StopTimeout$/.exec(patch.path ?? '')?.[1];
    if (index === undefined || !['add', 'replace'].includes(String(patch.op))) continue;
    const name = order[Number(index)];
    if (name === undefined) throw new Error(`${file}: a StopTimeout for container ${index}, and the task has ${order.length}`);
    timeouts[name] = Number(patch.value);
  }
  return timeouts;
}

/**
 * The task definition of the Load Balanced Web Service, or of the service named `serviceName` (a Backend Service: no
 * load balancer, so its `target` is the main container with port 0 and its health check is empty).
 */
export function readTaskDefinition(projectDir: string, environment: string, serviceName?: string): TaskDefinition {
  const services = manifestPaths(projectDir).services.filter((path) => {
    const doc = parse(readFileSync(path, 'utf8')) as Doc;
    return serviceName === undefined ? doc.type === 'Load Balanced Web Service' : doc.name === serviceName;
  });
  if (services.length !== 1) throw new Error(`expected one ${serviceName ?? 'Load Balanced Web Service'} manifest, found ${services.length}`);
  const base = parse(readFileSync(services[0], 'utf8')) as Doc;
  const overrides = isMap(base.environments) ? base.environments : {};
  const manifest = mergeOverride(base, isMap(overrides[environment]) ? overrides[environment] : {});
  const service = String(manifest.name);

  const storage = isMap(manifest.storage) ? manifest.storage : {};
  const volumeDocs = isMap(storage.volumes) ? storage.volumes : {};
  const volumes: TaskDefinition['volumes'] = {};
  const mainMounts: Mount[] = [];
  for (const [name, volume] of Object.entries(volumeDocs)) {
    if (!isMap(volume)) continue;
    const efs = isMap(volume.efs) ? volume.efs : {};
    volumes[name] = { efs: { uid: portNumber(efs.uid), gid: portNumber(efs.gid) } };
    // storage.go: a volume is read-only unless read_only: false.
    mainMounts.push({ volume: name, path: String(volume.path), readOnly: volume.read_only !== false });
  }

  const main: ContainerDefinition = {
    name: service,
    ...buildPaths(projectDir, manifest.image, service),
    port: portNumber(isMap(manifest.image) ? manifest.image.port : undefined),
    mounts: mainMounts,
    ...serviceVariables(manifest.variables),
    secrets: Object.keys(isMap(manifest.secrets) ? manifest.secrets : {}),
    secretParameters: secretParameters(manifest.secrets),
    entrypoint: stringList(manifest.entrypoint),
    command: stringList(manifest.command),
  };
  const sidecars = Object.entries(isMap(manifest.sidecars) ? manifest.sidecars : {}).map(([name, sidecar]): ContainerDefinition => {
    const doc = isMap(sidecar) ? sidecar : {};
    const mountPoints = Array.isArray(doc.mount_points) ? doc.mount_points.filter(isMap) : [];
    return {
      name,
      ...buildPaths(projectDir, doc.image, `sidecars.${name}`),
      port: portNumber(doc.port),
      mounts: mountPoints.map((mount) => ({
        volume: String(mount.source_volume),
        path: String(mount.path),
        readOnly: mount.read_only !== false,
      })),
      ...serviceVariables(doc.variables),
      secrets: Object.keys(isMap(doc.secrets) ? doc.secrets : {}),
      secretParameters: secretParameters(doc.secrets),
      entrypoint: stringList(doc.entrypoint),
      command: stringList(doc.command),
    };
  });
  const containers = [main, ...sidecars];

  const http = isMap(manifest.http) ? manifest.http : {};
  if (manifest.type === 'Backend Service' && Object.keys(http).length === 0) {
    return withoutLoadBalancer({ projectDir, app: readWorkspaceApp(projectDir), service, environment, containers, volumes, stopTimeouts: stopTimeouts(dirname(services[0]), containers), manifest });
  }
  const targetName = typeof http.target_container === 'string' ? http.target_container : service;
  const targetContainer = containers.find((container) => container.name === targetName);
  if (!targetContainer) throw new Error(`http.target_container: no container named ${targetName}`);
  const targetPort = portNumber(http.target_port) ?? targetContainer.port;
  if (targetPort === undefined) throw new Error(`http.target_container: container ${targetName} has no port`);
  const health = http.healthcheck;
  const healthCheck = isMap(health)
    ? { path: String(health.path ?? '/'), successCodes: String(health.success_codes ?? '200') }
    : { path: typeof health === 'string' ? health : '/', successCodes: '200' };

  return {
    projectDir,
    app: readWorkspaceApp(projectDir),
    service,
    environment,
    containers,
    target: { container: targetName, port: targetPort },
    healthCheck,
    volumes,
    stopTimeouts: stopTimeouts(dirname(services[0]), containers),
    manifest,
  };
}

/**
 * The task of a Copilot Scheduled Job (job.go), as its manifest describes it in one environment: one container from
 * `image`, with the manifest's entrypoint, command, variables (those from an export in variableExports) and secrets.
 * No load balancer targets it, so `target` names the container without a port and `healthCheck` is unused; the task
 * ends when its command does.
 */
export function readJobDefinition(projectDir: string, environment: string, job: string): TaskDefinition {
  const path = join(projectDir, 'copilot', job, 'manifest.yml');
  const base = parse(readFileSync(path, 'utf8')) as Doc;
  if (base.type !== 'Scheduled Job') throw new Error(`${path}: not a Scheduled Job manifest`);
  const overrides = isMap(base.environments) ? base.environments : {};
  const manifest = mergeOverride(base, isMap(overrides[environment]) ? overrides[environment] : {});
  const name = String(manifest.name);
  const container: ContainerDefinition = {
    name,
    ...buildPaths(projectDir, manifest.image, name),
    mounts: [],
    ...serviceVariables(manifest.variables),
    secrets: Object.keys(isMap(manifest.secrets) ? manifest.secrets : {}),
    secretParameters: secretParameters(manifest.secrets),
    entrypoint: stringList(manifest.entrypoint),
    command: stringList(manifest.command),
  };
  return withoutLoadBalancer({ projectDir, app: readWorkspaceApp(projectDir), service: name, environment, containers: [container], volumes: {}, stopTimeouts: { [name]: DEFAULT_STOP_TIMEOUT_SECONDS }, manifest });
}

/** A task no load balancer targets (a worker, a job): `target` names the main container without a port, no health check. */
export function withoutLoadBalancer(task: Omit<TaskDefinition, 'target' | 'healthCheck'>): TaskDefinition {
  return { ...task, target: { container: task.containers[0].name, port: 0 }, healthCheck: { path: '', successCodes: '' } };
}
