/**
 * What a re-run must know beyond the answers: which environments disappear from `--branches` (removed only on
 * `--remove-environments`), and which deployed environments change capacity provider (the two-step Spot switch).
 */
import { parseDocument } from 'yaml';
import { isObject, manifestForEnvironment, type Manifest } from './copilot-manifest.js';
import { parseBranches } from './branches.js';
import type { Answers } from './questions.js';

/** Kept in .yo-rc.json next to the answers: what a re-run must know that no answer says. */
export interface RunState {
  /** Environments in the middle of the two-step Spot switch. */
  spotSwitch: string[];
  /** The first run found a Django project (manage.py) of the team's; a new one was not generated. */
  existingProject: boolean;
  /**
   * The run wrote the environment's database (database.ts) and the service's keys that read it. Recorded, not
   * re-detected, so that the merge base is what that run wrote: absent from runs before the environment database
   * existed, and false while the service stack holds a database of its own.
   */
  environmentDatabase: boolean;
  /**
   * The deployment's files of a team's project live where the team's own cannot be: the Django image's files in
   * copilot_deploy/, the sidecar in copilot/<service>/nginx/, compose in docker-compose.copilot.yml. False for
   * new projects, and for projects adopted before, whose files stay where those runs wrote them.
   */
  separateFiles: boolean;
  /**
   * The root README.md is the deployment guide, as an earlier version wrote it for a new project: it stays the guide
   * (guide.ts). Found on disk by every run, not stored.
   */
  guideAtRoot?: boolean;
}

export const NO_STATE: RunState = { spotSwitch: [], existingProject: false, environmentDatabase: false, separateFiles: false };

export function environmentNames(answers: Answers): string[] {
  return parseBranches(answers.branches).map(({ environment }) => environment);
}

export function removedEnvironments(previous: Answers | undefined, answers: Answers): string[] {
  if (!previous) return [];
  const current = new Set(environmentNames(answers));
  return environmentNames(previous).filter((name) => !current.has(name));
}

type ServiceManifest = { environments?: Record<string, { network?: { connect?: unknown } } | null> } | null;

const parseManifest = (serviceManifest: string | undefined): ServiceManifest => (serviceManifest === undefined ? null : (parseDocument(serviceManifest).toJSON() as ServiceManifest));

/** Environments whose override in the user's service manifest still turns Service Connect off. */
function stillSwitching(manifest: ServiceManifest, names: string[]): string[] {
  return names.filter((name) => manifest?.environments?.[name]?.network?.connect === false);
}

/**
 * Whether Service Connect is on for the service in `environment`, as Copilot applies the manifest there: `connect: true`
 * or a map of its settings (manifest ServiceConnectBoolOrArgs).
 */
export function serviceConnectOn(manifest: Manifest | null, environment: string): boolean {
  const network = manifestForEnvironment(manifest ?? {}, environment).network;
  const connect = isObject(network) ? network.connect : undefined;
  return connect === true || (isObject(connect) && Object.keys(connect).length > 0);
}

/**
 * Copilot (up to its last release) cannot move a deployed service between Fargate and Fargate Spot while Service
 * Connect is on (copilot-cli issues 4313, 4337, 4651, 5431): the service is replaced and its Service Connect name
 * is still taken. The generated manifest keeps Service Connect off, so a switch is one deploy. Where the user turned
 * it on, environments that existed before and change capacity provider get it off for one deploy; the user deletes
 * that override after deploying, which ends the switch. New environments start directly.
 */
export function planSpotSwitch(
  previous: Answers | undefined,
  previousState: RunState,
  answers: Answers,
  serviceManifest: string | undefined,
): { state: RunState; switchingNow: string[]; switchedDirectly: string[] } {
  const manifest = parseManifest(serviceManifest);
  const current = environmentNames(answers);
  const switching = previous && previous.spot !== answers.spot ? environmentNames(previous).filter((name) => current.includes(name)) : [];
  const switchingNow = switching.filter((name) => serviceConnectOn(manifest, name));
  const pending = stillSwitching(manifest, previousState.spotSwitch.filter((name) => current.includes(name)));
  const spotSwitch = [...new Set([...pending, ...switchingNow])].sort();
  return { state: { ...previousState, spotSwitch }, switchingNow, switchedDirectly: switching.filter((name) => !switchingNow.includes(name)) };
}

/**
 * The application's name and domain are fixed in AWS by `copilot app init`: a re-run that changes either would write
 * manifests for an application that does not exist. What is wrong and what moving means, or undefined when neither
 * changes.
 */
export function renameRefusal(previous: Answers | undefined, answers: Answers): string | undefined {
  if (!previous) return undefined;
  const changes = [
    previous.app !== answers.app ? `--app ${JSON.stringify(answers.app)} changes the application from ${JSON.stringify(previous.app)}` : '',
    previous.domain !== answers.domain ? `--domain ${JSON.stringify(answers.domain)} changes the domain from ${JSON.stringify(previous.domain)}` : '',
  ].filter(Boolean);
  if (changes.length === 0) return undefined;
  return (
    `${changes.join(', and ')}. Copilot fixed both when the application was created (copilot app init): its environments, ` +
    'services, pipelines, ECR repositories and DNS names belong to that application, and the manifests would then name one ' +
    'that does not exist in AWS. Moving means creating the new application (copilot app init <name> --domain <domain>), ' +
    'deploying every environment and service into it, switching DNS, then copilot app delete of the old one. ' +
    'Pass --confirm-rename to write the files for the new one.'
  );
}
