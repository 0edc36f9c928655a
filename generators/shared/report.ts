/**
 * What a run says when it has written: what it decided about the team's project, which files it updated, merged or
 * kept, the conflicts it left as the user has them, the Spot switch as the manifests on disk have it, and the next
 * commands. Pure: the generator hands over what it found and did (RunOutcome), and prints the lines in order.
 */
import type { ExistingProject } from './detect.js';
import { describeConflict, type YamlConflict } from './merge.js';
import { nextSteps, rerunSteps, spotSwitchedDirectly, spotSwitchSteps, workloadDatabaseNote } from './messages.js';
import type { TemplateContext } from './plan.js';
import type { Answers } from './questions.js';
import type { RunState } from './rerun.js';
import { rerunChanges } from './runbook.js';
import { isObject, type Manifest } from './copilot-manifest.js';

export interface RunOutcome {
  answers: Answers;
  state: RunState;
  project?: ExistingProject;
  context: TemplateContext;
  /** The last run's plan; undefined on a first run. */
  previousContext?: TemplateContext;
  /** Where a repository URL held credentials that were dropped ("git remote origin", "--repository"…). */
  droppedCredentials: string[];
  /** The team's own Dockerfile, entrypoint, nginx/ and compose files present in the repository. */
  teamFiles: string[];
  /** Whether the Dockerfile the service manifest builds is the generated one. */
  builtDockerfileIsGenerated: boolean;
  /** Every variable and secret the service manifest on disk sets, in any environment. */
  manifestEnvironment: Set<string>;
  updated: string[];
  merged: string[];
  appended: string[];
  addedRequirements: string[];
  keptConflicts: string[];
  writtenOverrides: string[];
  overrideNotices: string[];
  keptYamlConflicts: Array<{ file: string } & YamlConflict>;
  switchingNow: string[];
  switchedDirectly: string[];
  removed: string[];
  /** What the optional parts this run turned off were (questions.ts OPTIONAL_PARTS `what`). */
  removedParts: string[];
  deleted: string[];
  workloadDatabase?: string;
}

/** Every variable and secret name of a service manifest, at the top and in each environment's override. */
export function manifestEnvironmentNames(manifest: Manifest): Set<string> {
  const names = new Set<string>();
  const environments = isObject(manifest.environments) ? Object.values(manifest.environments) : [];
  for (const scope of [manifest, ...environments]) {
    if (!isObject(scope)) continue;
    for (const key of ['variables', 'secrets']) {
      const entries = scope[key];
      if (isObject(entries)) Object.keys(entries).forEach((name) => names.add(name));
    }
  }
  return names;
}

export function runReport(run: RunOutcome): string[] {
  const { answers, state, project, context, previousContext } = run;
  const firstRun = previousContext === undefined;
  const lines: string[] = [];
  if (run.droppedCredentials.length > 0) {
    const fromOrigin = run.droppedCredentials.includes('git remote origin');
    lines.push(
      `The repository URL from ${run.droppedCredentials.join(' and ')} held credentials (a user, password or token before "@"): ` +
        `dropped, neither stored nor printed; .yo-rc.json and the pipelines keep ${answers.repository || 'no URL'}.` +
        (fromOrigin ? ` git still keeps them in .git/config: git remote set-url origin ${answers.repository} and a credential helper move them out.` : ''),
    );
  }
  if (project && state.existingProject && firstRun) {
    const { dir, baseSettingsModule, wsgiApplication, requirements } = project;
    const prefix = dir === '.' ? '' : `${dir}/`;
    lines.push(
      `Deploying your Django project in ${dir === '.' ? 'the repository root' : `${dir}/`}: settings ${baseSettingsModule} ` +
        `(imported by ${prefix}copilot_deploy/settings.py), WSGI ${wsgiApplication}, ` +
        `requirements ${requirements ? `${prefix}${requirements.file}` : `none (wrote ${prefix}requirements.txt)`}. Deployment notes: copilot/README.md.`,
    );
  }
  if (state.separateFiles && firstRun) {
    lines.push(
      `The deployment builds ${context.deployPrefix}Dockerfile (with its entrypoint.sh, gunicorn.conf.py and Dockerfile.dockerignore) and ` +
        `${context.nginxDir}/; ${context.composeFile} runs the same task locally.` +
        (run.teamFiles.length > 0 ? ` Your ${run.teamFiles.join(', ')} stay as they are, unused by the deployment.` : ''),
    );
  }
  if (state.existingProject && !state.separateFiles && !run.builtDockerfileIsGenerated) {
    // Adopted by an earlier version, which wrote beside the team's files and kept theirs where the names met.
    lines.push(
      `copilot/${context.service}/manifest.yml builds ${context.djangoDockerfile}, which is not the generated one: an earlier version of this generator ` +
        `kept your file there. Rename your Dockerfile (and your entrypoint.sh, nginx/ if you have them) and run again: the generated ones are written in their place.`,
    );
  }
  lines.push(...settingsEnvironmentNotes(run));
  if (answers.domain === '' && firstRun) {
    lines.push(
      'Without --domain the load balancer speaks plain HTTP: admin passwords and session cookies travel unencrypted, and ' +
        `the deployment settings silence the four HTTPS checks of check --deploy (${context.guide}, "HTTPS"). Run again with --domain to add HTTPS.`,
    );
  }
  if (run.updated.length > 0) lines.push(`Updated, as you had left them since the last run: ${run.updated.join(', ')}.`);
  if (run.merged.length > 0) lines.push(`Brought the generator's changes into your edited ${run.merged.join(', ')}; your edits stay.`);
  if (run.appended.length > 0) lines.push(`Added what the generator needs to ${run.appended.join(', ')}, below what was there.`);
  if (run.addedRequirements.length > 0) lines.push(`Added to your requirements: ${run.addedRequirements.join(', ')}.`);
  if (run.keptConflicts.length > 0) {
    lines.push(
      `Kept your version of ${run.keptConflicts.join(', ')}: you changed them and the generator has changes for them too. ` +
        'Run again in a terminal without --yes to compare and choose, or with --force to take the generated version.',
    );
  }
  if (run.writtenOverrides.length > 0) {
    lines.push(`Copilot's Lambda functions move to a runtime AWS accepts in ${run.writtenOverrides.join(' and ')} (derived from the manifests; ${context.guide} says why).`);
  }
  lines.push(...run.overrideNotices);
  if (run.keptYamlConflicts.length > 0) {
    lines.push(
      `Kept your values where you and the generator both changed them since the last run (run with --force to take the generator's, ` +
        `or at a terminal without --yes to choose one by one):\n${run.keptYamlConflicts.map((conflict) => `  ${conflict.file}: ${describeConflict(conflict)}`).join('\n')}`,
    );
  }
  lines.push(...spotMessages(run));
  if (run.removed.length > 0) {
    lines.push(`Removed the environment(s) ${run.removed.join(', ')}: deleted ${run.deleted.join(', ') || 'no file'} and their overrides in copilot/${answers.service}/manifest.yml.`);
  } else if (run.removedParts.length > 0) {
    lines.push(`Removed ${run.removedParts.join(', and ')}: deleted ${run.deleted.join(', ') || 'no file'}.`);
  }
  if (run.workloadDatabase) lines.push(workloadDatabaseNote(answers, run.workloadDatabase, context.guide));
  if (context.infra && !previousContext?.infra) {
    lines.push(
      "The CDK app is in infra/, the same task without Copilot: cd infra && npm ci && npx cdk synth '**' checks it offline. " +
        `Put your account and region in infra/cdk.json before a deploy; ${context.guide}, "The CDK app (infra/)", has the deploy and the move off ` +
        'Copilot one environment at a time, the database restored from its snapshot.',
    );
  }
  if (firstRun) lines.push(nextSteps(context));
  else {
    const steps = rerunSteps(context, rerunChanges(previousContext, context));
    if (steps) lines.push(steps);
  }
  return lines;
}

/** The capacity provider moves only where the merged manifest took the generator's count. */
function spotMessages(run: RunOutcome): string[] {
  const countKept = new Set(
    run.keptYamlConflicts
      .filter((conflict) => conflict.file === `copilot/${run.answers.service}/manifest.yml`)
      .map((conflict) => /^environments\.([^.]+)\.count(\.|$)/.exec(conflict.path)?.[1])
      .filter((name): name is string => name !== undefined),
  );
  const moving = (names: string[]) => names.filter((name) => !countKept.has(name));
  const lines: string[] = [];
  if (moving(run.switchingNow).length > 0) lines.push(spotSwitchSteps(run.answers, moving(run.switchingNow)));
  if (moving(run.switchedDirectly).length > 0) lines.push(spotSwitchedDirectly(run.answers, moving(run.switchedDirectly)));
  if (countKept.size > 0 && run.switchingNow.length + run.switchedDirectly.length > 0) {
    const many = countKept.size > 1;
    lines.push(
      `${[...countKept].join(', ')} keep${many ? '' : 's'} the count you set, so ${many ? 'they stay' : 'it stays'} where ${many ? 'they run' : 'it runs'} now: ` +
        'set environments.<env>.count as the generator writes it to move.',
    );
  }
  return lines;
}

/**
 * What the manifest gives the variables the team's settings read (first run), and, on every run, those still
 * without a value in the manifest: the settings would fail to load in the task without them.
 */
function settingsEnvironmentNotes({ state, context, previousContext, manifestEnvironment }: RunOutcome): string[] {
  if (!state.existingProject) return [];
  const { settingsEnvironment: environment, service } = context;
  const notes: string[] = [];
  if (previousContext === undefined && environment.variables.length + environment.secrets.length > 0) {
    const secrets = environment.secrets.map(({ name, parameter }) => (name === parameter ? name : `${name} (from the ${parameter} secret)`));
    notes.push(
      `Your settings read environment variables; copilot/${service}/manifest.yml sets ` +
        [
          environment.variables.length > 0 ? `the variable${environment.variables.length > 1 ? 's' : ''} ${environment.variables.map(({ name, value }) => `${name}=${value}`).join(', ')}` : '',
          secrets.length > 0 ? `the secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' and ') +
        '.',
    );
  }
  const missing = environment.undecided.filter(({ name }) => !manifestEnvironment.has(name));
  if (missing.length > 0) {
    notes.push(
      `Your settings need ${missing.map(({ name, file, line }) => `${name} (${file}:${line})`).join(', ')} without a default, and the run cannot tell ` +
        `their values: set each under variables: or secrets: in copilot/${service}/manifest.yml before deploying, or the task fails to start.`,
    );
  }
  return notes;
}
