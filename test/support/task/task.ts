/**
 * One ECS task of the service, started as Fargate starts it: a network namespace with the task's private IP,
 * each container of the task definition in its own mount namespace, root (rootfs.ts) and PID namespace, all
 * containers at once, each with the environment ECS gives it: image ENV, the manifest's variables, the secrets'
 * values, Copilot's and ECS's own variables. Sidecars get their own variables only: they do not inherit the main
 * container's.
 *
 * The container's ENTRYPOINT is PID 1 of its PID namespace, as on Fargate (Copilot sets no `initProcessEnabled`):
 * the kernel delivers it only the signals it has a handler for, SIGKILL aside, whether they come from inside the
 * container or from ECS outside it, and when it exits every other process of the container is killed. Signals go
 * to that process (`signal`), never to the group: ECS signals the container's first process only. A stop is ECS's
 * StopTask: SIGTERM, then SIGKILL after the container's StopTimeout (the service's cfn.patches.yml).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Image } from './images.js';
import type { TaskDefinition, ContainerDefinition } from './manifest.js';
import type { MetadataEndpoint } from './metadata.js';
import { header, NetworkNamespace, type HttpRequest, type HttpResponse, type Vpc } from './network.js';
import { ProcessGroup, run, scratchFolder, sleep, type RunResult } from './processes.js';
import { rootScript } from './rootfs.js';

export interface TaskInputs {
  definition: TaskDefinition;
  /** Built images by container name. */
  images: Record<string, Image>;
  /** Values of the manifest's secrets, as SSM would hand them over. */
  secrets: Record<string, string>;
  /** Secrets an addon injects into the main container: Copilot's Aurora storage gives `DB_SECRET`. */
  addonSecrets: Record<string, string>;
  /** Host folder of each volume (the EFS file system), by volume name. */
  volumes: Record<string, string>;
  /** The environment's load balancer name (COPILOT_LB_DNS). */
  loadBalancerDns: string;
  /** Variables added to (or replacing) the manifest's, by container name. */
  variables?: VariableOverrides;
  /**
   * Where the ECS agent answers the task role's credentials (s3.ts): every container gets it as
   * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, as ECS gives it to the containers of a task with a task role.
   */
  credentialsRelativeUri?: string;
}

export interface TaskServices {
  scratch: string;
  vpc: Vpc;
  metadata: MetadataEndpoint;
}

interface RunningContainer {
  definition: ContainerDefinition;
  image: Image;
  env: Record<string, string>;
  /** `nsenter` + `unshare --pid --fork` on this machine; its exit status is PID 1's (a signal re-raised). */
  process: ProcessGroup;
}

/** How a container ended. */
export interface ContainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ECS's SIGKILL ended it: it was still running when its StopTimeout was over. */
  killedAtStopTimeout: boolean;
}

/** Extra manifest variables per container name, as a test sets them (`variables:` in the manifest). */
export type VariableOverrides = Record<string, Record<string, string>>;

/** `200`, `200,302` or `200-299`, as the target group's matcher reads them. */
function matches(successCodes: string, status: number): boolean {
  return successCodes.split(',').some((code) => {
    const [low, high] = code.split('-').map(Number);
    return high === undefined ? status === low : status >= low && status <= high;
  });
}

/** The environment ECS gives a container: image ENV, Copilot's variables, the manifest's, secrets, ECS's own. */
function containerEnvironment(inputs: TaskInputs, container: ContainerDefinition, image: Image, metadataUri: string): Record<string, string> {
  const { definition } = inputs;
  const copilot = {
    COPILOT_APPLICATION_NAME: definition.app,
    COPILOT_ENVIRONMENT_NAME: definition.environment,
    COPILOT_SERVICE_NAME: definition.service,
    COPILOT_SERVICE_DISCOVERY_ENDPOINT: `${definition.environment}.${definition.app}.local`,
    COPILOT_LB_DNS: inputs.loadBalancerDns,
  };
  const ecs = {
    ECS_CONTAINER_METADATA_URI_V4: metadataUri,
    ECS_CONTAINER_METADATA_URI: metadataUri.replace('/v4/', '/v3/'),
    AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    ...(inputs.credentialsRelativeUri ? { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: inputs.credentialsRelativeUri } : {}),
  };
  const secrets = Object.fromEntries(
    container.secrets.map((name) => {
      if (inputs.secrets[name] === undefined) throw new Error(`secret ${name} (container ${container.name}) has no value`);
      return [name, inputs.secrets[name]];
    }),
  );
  const addons = container === definition.containers[0] ? inputs.addonSecrets : {};
  const overrides = inputs.variables?.[container.name] ?? {};
  // A `from_cfn` variable's value is the environment stack's export: the test hands it over as a variable.
  for (const [name, exported] of Object.entries(container.variableExports ?? {})) {
    if (overrides[name] === undefined) throw new Error(`variable ${name} (container ${container.name}) comes from the export ${exported}: pass its value in variables`);
  }
  return { HOME: image.user.home, ...image.env, ...copilot, ...container.variables, ...overrides, ...secrets, ...addons, ...ecs };
}

/** Docker's run: the manifest's entrypoint/command override the image's (an entrypoint override drops the CMD). */
function startContainer(
  namespace: NetworkNamespace,
  folder: string,
  container: ContainerDefinition,
  image: Image,
  env: Record<string, string>,
  volumes: Record<string, string>,
): ProcessGroup {
  const entrypoint = container.entrypoint ?? image.entrypoint;
  const command = container.command ?? (container.entrypoint ? [] : image.cmd);
  const binds = container.mounts.map((mount) => {
    const source = volumes[mount.volume];
    if (!source) throw new Error(`container ${container.name} mounts volume ${mount.volume}, which the manifest does not define`);
    return { source, target: mount.path, readOnly: mount.readOnly };
  });
  const script = rootScript(
    { layers: image.layers, upper: scratchFolder(folder, 'upper'), work: scratchFolder(folder, 'work'), root: scratchFolder(folder, 'root'), binds },
    { workdir: image.workdir, uid: image.user.uid, gid: image.user.gid, argv: [...entrypoint, ...command] },
  );
  // --pid --fork: the script runs as PID 1 of a new PID namespace and execs the entrypoint, which stays PID 1;
  // --mount-proc gives the namespace its own /proc, which the root binds; --kill-child: nothing outlives unshare.
  const [unshare, ...args] = namespace.enter([
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
    '--kill-child',
    '--mount-proc',
    '--',
    '/bin/sh',
    '-c',
    script,
  ]);
  return new ProcessGroup(container.name, unshare, args, env);
}

export class Task {
  private constructor(
    readonly inputs: TaskInputs,
    readonly ip: string,
    readonly startedAt: number,
    private readonly services: TaskServices,
    private readonly namespace: NetworkNamespace,
    readonly containers: Map<string, RunningContainer>,
    /** Container name -> its ECS_CONTAINER_METADATA_URI_V4. */
    readonly metadataUris: Record<string, string>,
  ) {}

  static async start(services: TaskServices, inputs: TaskInputs): Promise<Task> {
    const startedAt = Date.now();
    const { definition } = inputs;
    const namespace = await new NetworkNamespace('task network namespace').ready();
    const ip = await services.vpc.attach(namespace);
    const cluster = `${definition.app}-${definition.environment}`;
    const family = `${definition.app}-${definition.environment}-${definition.service}`;
    const metadata = await services.metadata.registerTask(
      cluster,
      family,
      ip,
      definition.containers.map((container) => ({
        name: container.name,
        image: `${family}/${container.name}:latest`,
        imageId: inputs.images[container.name].id,
      })),
    );
    const containers = new Map<string, RunningContainer>();
    for (const container of definition.containers) {
      const image = inputs.images[container.name];
      const env = containerEnvironment(inputs, container, image, metadata.uris[container.name]);
      const folder = scratchFolder(services.scratch, 'containers', `${metadata.taskId.slice(0, 8)}-${container.name}`);
      const group = startContainer(namespace, folder, container, image, env, inputs.volumes);
      containers.set(container.name, { definition: container, image, env, process: group });
    }
    return new Task(inputs, ip, startedAt, services, namespace, containers, metadata.uris);
  }

  /** A request from the load balancer to this task's target container port. */
  request(request: Omit<HttpRequest, 'ip' | 'port'>): Promise<HttpResponse> {
    return this.services.vpc.request({ ...request, ip: this.ip, port: this.inputs.definition.target.port });
  }

  /** The target group's health check, as the ALB sends it: the target's IP and port as Host, no forwarded proto. */
  healthCheck(): Promise<HttpResponse> {
    const { target, healthCheck } = this.inputs.definition;
    return this.request({ path: healthCheck.path, headers: { Host: `${this.ip}:${target.port}`, 'User-Agent': 'ELB-HealthChecker/2.0' } });
  }

  /**
   * Waits until the health check passes `healthy_threshold` times in a row (polled every 100 ms instead of the
   * manifest's interval); returns the milliseconds from the task's start. While the app starts, nginx answers
   * 502 and such answers are ignored (the grace period); once the app answers, `unhealthy_threshold` failures in
   * a row make the task unhealthy, as the load balancer would decide. Fails at once when a container exits.
   */
  async waitHealthy(timeoutMs = 90_000): Promise<number> {
    const { healthCheck, manifest } = this.inputs.definition;
    const settings = ((manifest.http ?? {}) as { healthcheck?: { healthy_threshold?: number; unhealthy_threshold?: number } }).healthcheck ?? {};
    const healthyThreshold = Number(settings.healthy_threshold ?? 2);
    const unhealthyThreshold = Number(settings.unhealthy_threshold ?? 2);
    let healthy = 0;
    let unhealthy = 0;
    let last = 'no answer yet';
    while (healthy < healthyThreshold) {
      for (const [name, container] of this.containers) {
        if (!container.process.running) throw new Error(`essential container ${name} exited before the task was healthy:\n${this.logs()}`);
      }
      if (Date.now() - this.startedAt > timeoutMs) throw new Error(`task not healthy after ${timeoutMs} ms (last: ${last}):\n${this.logs()}`);
      const response = await this.healthCheck().catch((error: Error) => error);
      const starting = response instanceof Error || [502, 503, 504].includes(response.status);
      const ok = !(response instanceof Error) && matches(healthCheck.successCodes, response.status);
      last = response instanceof Error ? response.message : `${response.status} from ${header(response, 'server') ?? 'an unnamed server'}`;
      healthy = ok ? healthy + 1 : 0;
      unhealthy = ok || starting ? 0 : unhealthy + 1;
      if (unhealthy >= unhealthyThreshold) {
        throw new Error(`task unhealthy: the health check ${healthCheck.path} answered ${last}, ${unhealthy} times in a row:\n${this.logs()}`);
      }
      if (healthy < healthyThreshold) await sleep(100);
    }
    return Date.now() - this.startedAt;
  }

  /** `copilot svc exec --command`: a process in the running container's namespaces, root, user and environment. */
  async exec(containerName: string, argv: string[]): Promise<RunResult> {
    const container = this.container(containerName);
    const { uid, gid } = container.image.user;
    const target = String(await this.pid1(containerName));
    return run(
      '/usr/bin/nsenter',
      ['--target', target, '--mount', '--net', '--pid', '--root', '--wd', '--setuid', String(uid), '--setgid', String(gid), '--', ...argv],
      { env: container.env },
    );
  }

  /** The container's PID 1 (its ENTRYPOINT, or what that exec'd), as this machine numbers it. */
  async pid1(containerName: string): Promise<number> {
    const { process: group } = this.container(containerName);
    // unshare --fork: PID 1 of the new namespace is unshare's one child.
    const children = `/proc/${group.pid}/task/${group.pid}/children`;
    for (let attempt = 0; ; attempt++) {
      const pids = existsSync(children) ? readFileSync(children, 'utf8').trim() : '';
      if (pids) return Number(pids.split(/\s+/)[0]);
      if (!group.running || attempt > 1000) throw new Error(`container ${containerName} has no PID 1 (exited?):\n${group.logs()}`);
      await sleep(5);
    }
  }

  /** A signal to the container's PID 1, as `docker kill --signal` or ECS send it. */
  async signal(containerName: string, signal: NodeJS.Signals): Promise<void> {
    try {
      process.kill(await this.pid1(containerName), signal);
    } catch (error) {
      // Exited meanwhile: nothing to signal.
      if (this.container(containerName).process.running) throw error;
    }
  }

  /** Waits until the container has exited by itself, at most `timeoutMs`; undefined if it is still running. */
  async exited(containerName: string, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const { process: group } = this.container(containerName);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const result = await Promise.race([group.exited, late]);
    clearTimeout(timer);
    return result;
  }

  container(name: string): RunningContainer {
    const container = this.containers.get(name);
    if (!container) throw new Error(`the task has no container ${name}`);
    return container;
  }

  /**
   * Stops one container as ECS would: SIGTERM to its PID 1, then, when it is still running after its StopTimeout
   * (or `stopTimeoutSeconds`), SIGKILL; what is left of the container goes either way.
   */
  async stopContainer(name: string, options: { stopTimeoutSeconds?: number } = {}): Promise<ContainerExit> {
    const container = this.container(name);
    const seconds = options.stopTimeoutSeconds ?? this.inputs.definition.stopTimeouts[name];
    if (container.process.running) await this.signal(name, 'SIGTERM');
    const exit = await this.exited(name, seconds * 1000);
    await container.process.kill();
    if (exit) return { ...exit, killedAtStopTimeout: false };
    const { code, signal } = await container.process.exited;
    return { code, signal, killedAtStopTimeout: true };
  }

  /** ECS's StopTask: every container gets SIGTERM at once, then SIGKILL after its StopTimeout; the ENI goes away. */
  async stop(options: { stopTimeoutSeconds?: number } = {}): Promise<Record<string, ContainerExit>> {
    const names = [...this.containers.keys()];
    const exits = await Promise.all(names.map((name) => this.stopContainer(name, options)));
    await this.namespace.close();
    return Object.fromEntries(names.map((name, index) => [name, exits[index]]));
  }

  logs(): string {
    return [...this.containers.values()]
      .map((container) => `----- ${container.definition.name} (task ${this.ip})\n${container.process.logs()}`)
      .join('\n');
  }

  /** Where a file of a volume (the EFS file system) is on this machine. */
  volumePath(volume: string, ...parts: string[]): string {
    return join(this.inputs.volumes[volume], ...parts);
  }
}
