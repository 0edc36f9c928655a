/**
 * How long ECS waits for a stopping container before SIGKILL (the task definition's `StopTimeout`, 30 s by default).
 * When the task stops, nginx and gunicorn keep serving for the load balancer's deregistration delay (30 s) and gunicorn
 * then lets requests in flight finish (its graceful_timeout plus a few seconds: about a minute in all); the default
 * would kill them halfway. Copilot's manifest has no key for it, so the service's YAML patches (overrides.ts) set it on
 * every container Copilot renders into the task definition. The rules below mirror copilot-cli's templates
 * (workloads/services/lb-web/cf.yml: the main container, then partials/cf/sidecars.yml: the FireLens log router when
 * `logging` configures it, the X-Ray collector with `observability.tracing: awsxray`, then the sidecars by name,
 * stack/transformers.go convertSidecars).
 */
import { isObject, manifestForEnvironment, type Manifest } from './copilot-manifest.js';

/** Fargate's largest StopTimeout, and the two minutes' notice of a Spot interruption. */
export const STOP_TIMEOUT_SECONDS = 120;

/** manifest.Logging.IsEmpty (internal/pkg/manifest/workload_ecs.go): `retention` alone renders no log router. */
const LOG_ROUTER_KEYS = ['image', 'destination', 'enableMetadata', 'secretOptions', 'configFilePath', 'variables', 'secrets', 'env_file'];

/** The containers of the service's task definition in one environment, in Copilot's order. */
export function taskContainers(manifest: Manifest, service: string, environment: string): string[] {
  const effective = manifestForEnvironment(manifest, environment);
  const logging = isObject(effective.logging) ? effective.logging : {};
  const observability = isObject(effective.observability) ? effective.observability : {};
  const sidecars = isObject(effective.sidecars) ? Object.keys(effective.sidecars).sort() : [];
  return [
    typeof effective.name === 'string' ? effective.name : service,
    ...(LOG_ROUTER_KEYS.some((key) => logging[key] !== undefined && logging[key] !== null) ? ['firelens_log_router'] : []),
    ...(String(observability.tracing ?? '').toUpperCase() === 'AWSXRAY' ? ['aws-otel-collector'] : []),
    ...sidecars,
  ];
}

/** The patch path of container `index`'s StopTimeout in Copilot's service template. */
export const stopTimeoutPath = (index: number) => `/Resources/TaskDefinition/Properties/ContainerDefinitions/${index}/StopTimeout`;
export const STOP_TIMEOUT_PATH = /^\/Resources\/TaskDefinition\/Properties\/ContainerDefinitions\/(\d+)\/StopTimeout$/;

/** A StopTimeout Fargate accepts (whole seconds, at most 120): a value of the user's that is one stays. */
export const acceptedStopTimeout = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= STOP_TIMEOUT_SECONDS;

/** How many containers one patch file can give a StopTimeout: those every stack renders (a patch past the end fails). */
export function containersEverywhere(perStack: Map<string, string[]>): { count: number; uneven: boolean } {
  const counts = [...perStack.values()].map((containers) => containers.length);
  if (counts.length === 0) return { count: 0, uneven: false };
  return { count: Math.min(...counts), uneven: new Set(counts).size > 1 };
}
