/**
 * Copilot YAML-patch overrides that move Copilot's custom-resource Lambda functions off the runtime AWS Lambda no
 * longer accepts, and give the service's containers the time to drain when the task stops (stop-timeout.ts). Derived
 * on every run from the manifests as they are on disk (lambdas.ts, stop-timeout.ts), merged into the patch file the
 * user may have extended: their own patches stay, ours follow the manifests.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { LAMBDA_RUNTIME, environmentFunctions, jobFunctions, renderEverywhereBy, serviceFunctions, splitByStacks } from './lambdas.js';
import { VERSIONS } from './versions.js';
import { GUIDE } from './guide.js';
import { STOP_TIMEOUT_PATH, STOP_TIMEOUT_SECONDS, acceptedStopTimeout, containersEverywhere, stopTimeoutPath, taskContainers } from './stop-timeout.js';

/** Copilot reads YAML patches from this file of an overrides folder (internal/pkg/override/patch.go). */
export const PATCH_FILE = 'cfn.patches.yml';
const RUNTIME_PATH = /^\/Resources\/([A-Za-z0-9]+)\/Properties\/Runtime$/;
/** Node.js runtimes before 22 are closed to creating or updating functions. */
const OLDEST_OPEN_NODE = 22;

export interface OverrideTarget {
  /** The overrides folder, relative to the repository root. */
  folder: string;
  /** What its patches apply to, for messages: "every environment stack", "the django service in every environment". */
  appliesTo: string;
  /** The functions Copilot renders, per stack that the patch file applies to. */
  perStack: Map<string, string[]>;
  /** A service's: the containers of its task definition, per stack; each gets the StopTimeout. */
  containersPerStack?: Map<string, string[]>;
  /** What the StopTimeout gives the containers, for the file's header; the web service's drain by default. */
  stopReason?: string;
}

/**
 * The environment overrides apply to every environment's stack; the service's to its stack in every environment, and
 * each scheduled job's (`jobs`) to its own.
 */
export function overrideTargets(
  service: string,
  serviceManifest: Record<string, unknown>,
  environments: Map<string, Record<string, unknown>>,
  appDomain: boolean,
  jobs: string[] = [],
  workers: Map<string, Record<string, unknown>> = new Map(),
): OverrideTarget[] {
  const names = [...environments.keys()].sort();
  return [
    {
      folder: 'copilot/environments/overrides',
      appliesTo: 'every environment stack',
      perStack: new Map(names.map((name) => [`environment ${name}`, environmentFunctions(environments.get(name) ?? {}, appDomain)])),
    },
    {
      folder: `copilot/${service}/overrides`,
      appliesTo: `the ${service} service in every environment`,
      perStack: new Map(names.map((name) => [`${service} in ${name}`, serviceFunctions(serviceManifest, name)])),
      containersPerStack: new Map(names.map((name) => [`${service} in ${name}`, taskContainers(serviceManifest, service, name)])),
    },
    // The Celery worker (a Backend Service): its containers get the StopTimeout too, for running tasks to finish.
    ...[...workers].map(([worker, manifest]) => ({
      folder: `copilot/${worker}/overrides`,
      appliesTo: `the ${worker} service in every environment`,
      perStack: new Map(names.map((name) => [`${worker} in ${name}`, serviceFunctions(manifest, name)])),
      containersPerStack: new Map(names.map((name) => [`${worker} in ${name}`, taskContainers(manifest, worker, name)])),
      stopReason: "time for the tasks it runs to finish (Celery's warm shutdown)",
    })),
    ...jobs.map((job) => ({
      folder: `copilot/${job}/overrides`,
      appliesTo: `the ${job} job in every environment`,
      perStack: new Map(names.map((name) => [`${job} in ${name}`, jobFunctions()])),
    })),
  ];
}

export interface PatchUpdate {
  /** The new text of the patch file; undefined when nothing is to be written. */
  text?: string;
  /** What the run tells the user about this file. */
  notices: string[];
}

const header = (target: OverrideTarget) =>
  [
    `# Moves Copilot's custom-resource Lambda functions off ${VERSIONS.copilot.renderedLambdaRuntime}, which AWS Lambda no longer accepts for`,
    `# creating or updating a function, to ${LAMBDA_RUNTIME}. Applies to: ${target.appliesTo}.`,
    ...(target.containersPerStack
      ? [`# Gives every container of the task ${STOP_TIMEOUT_SECONDS} s to stop (StopTimeout): ${target.stopReason ?? "time to drain, see the manifest's deregistration_delay"}.`]
      : []),
    '# copilot-django derives these patches from the manifests on every run (a patch for a function or container Copilot',
    `# does not render fails the deploy); patches of your own in this file are kept. ${GUIDE}, "Copilot's Lambda runtimes".`,
    '',
  ].join('\n');

function stopTimeoutPatch(document: Document, index: number): YAMLMap {
  return document.createNode({ op: 'add', path: stopTimeoutPath(index), value: STOP_TIMEOUT_SECONDS }) as YAMLMap;
}

function runtimePatch(document: Document, name: string): YAMLMap {
  return document.createNode({ op: 'replace', path: `/Resources/${name}/Properties/Runtime`, value: LAMBDA_RUNTIME }) as YAMLMap;
}

const blocked = (runtime: unknown) => {
  const match = /^nodejs(\d+)\.x$/.exec(String(runtime));
  return match === null ? runtime === undefined || runtime === null || runtime === '' : Number(match[1]) < OLDEST_OPEN_NODE;
};

/**
 * The patch file for `target`, merged into `mine` (the file on disk, if any). `cdkOverride`: the folder holds a CDK
 * override and no patch file; Copilot would take a patch file over it, so nothing is written and the user is told.
 */
export function updatePatchFile(target: OverrideTarget, mine: string | undefined, cdkOverride = false): PatchUpdate {
  const { everywhere, somewhere } = splitByStacks(target.perStack);
  const notices = [...somewhere].map(
    ([name, stacks]) =>
      `${name} is rendered only for ${stacks.join(', ')}, and one patch file (${target.folder}/${PATCH_FILE}) serves ${target.appliesTo}: ` +
      `it cannot be patched there without breaking the others, so those stacks keep ${VERSIONS.copilot.renderedLambdaRuntime} and their deploy fails. ` +
      `To patch it, ${renderEverywhereBy(name)}, then run copilot-django again.`,
  );
  const containers = containersEverywhere(target.containersPerStack ?? new Map());
  if (containers.uneven) {
    notices.push(
      `The task has more containers in some environments than in others (${[...(target.containersPerStack ?? new Map()).entries()].map(([stack, names]) => `${stack}: ${names.join(', ')}`).join('; ')}), ` +
        `and one patch file (${target.folder}/${PATCH_FILE}) serves ${target.appliesTo}: containers past the first ${containers.count} keep ECS's 30 s StopTimeout.`,
    );
  }
  if (cdkOverride) {
    if (everywhere.length > 0) notices.push(`${target.folder} holds a CDK override: set Runtime to ${LAMBDA_RUNTIME} there for ${everywhere.join(', ')} (no ${PATCH_FILE} was written, it would replace your override).`);
    if (containers.count > 0) notices.push(`${target.folder} holds a CDK override: set StopTimeout to ${STOP_TIMEOUT_SECONDS} there on the task definition's ${containers.count} container(s) (no ${PATCH_FILE} was written).`);
    return { notices };
  }
  if (mine === undefined && everywhere.length === 0 && containers.count === 0) return { notices };
  const document = parseDocument(mine ?? `${header(target)}[]\n`);
  if (document.errors.length > 0 || !(document.contents === null || isSeq(document.contents))) {
    throw new Error(`${target.folder}/${PATCH_FILE} is not a YAML list of patches (${document.errors[0]?.message ?? 'another kind of document'}): fix it, then run again.`);
  }
  if (document.contents === null) document.contents = document.createNode([]) as unknown as Document.Parsed['contents'];
  const patches = document.contents as YAMLSeq;
  let changed = mine === undefined;
  const patched = new Set<string>();
  const timed = new Set<number>();
  for (const item of [...patches.items]) {
    if (!isMap(item)) continue;
    const path = item.get('path');
    const container = typeof path === 'string' ? STOP_TIMEOUT_PATH.exec(path)?.[1] : undefined;
    if (container !== undefined && ['add', 'replace'].includes(String(item.get('op')))) {
      const index = Number(container);
      if (index >= containers.count) {
        patches.items.splice(patches.items.indexOf(item), 1);
        changed = true;
        notices.push(`Removed the StopTimeout patch of container ${index} from ${target.folder}/${PATCH_FILE}: Copilot renders ${containers.count} container(s) for ${target.appliesTo}.`);
        continue;
      }
      timed.add(index);
      // A value of the user's that Fargate accepts stays; anything else would fail the deploy.
      if (!acceptedStopTimeout(item.get('value'))) {
        item.set('value', STOP_TIMEOUT_SECONDS);
        changed = true;
      }
      continue;
    }
    const name = typeof path === 'string' ? RUNTIME_PATH.exec(path)?.[1] : undefined;
    if (name === undefined || item.get('op') !== 'replace') continue;
    if (!everywhere.includes(name)) {
      patches.items.splice(patches.items.indexOf(item), 1);
      changed = true;
      notices.push(`Removed the runtime patch of ${name} from ${target.folder}/${PATCH_FILE}: Copilot no longer renders it for ${target.appliesTo}.`);
      continue;
    }
    patched.add(name);
    const value = item.get('value', true);
    if (blocked(isScalar(value) ? value.value : value)) {
      item.set('value', LAMBDA_RUNTIME);
      changed = true;
    }
  }
  for (const name of everywhere.filter((name) => !patched.has(name))) {
    patches.items.push(runtimePatch(document, name));
    changed = true;
  }
  for (let index = 0; index < containers.count; index++) {
    if (timed.has(index)) continue;
    patches.items.push(stopTimeoutPatch(document, index));
    changed = true;
  }
  if (!changed) return { notices };
  if (patches.items.length > 0) patches.flow = false;
  return { text: document.toString({ lineWidth: 0 }), notices };
}
