/**
 * What the generator says at the end of a run: the next commands, the Spot switch when one starts, and where the
 * database stays when the service stack holds one.
 */
import type { TemplateContext } from './plan.js';
import type { Answers } from './questions.js';
import { firstRunbook, formatRunbook, rerunRunbook, type RerunChanges } from './runbook.js';

/** After the first run: the deployment guide's commands, from nothing to deployed (runbook.ts). */
export function nextSteps(context: TemplateContext): string {
  return ['', `Written. Next, from an empty AWS account (${context.guide} has the same steps):`, formatRunbook(firstRunbook(context)), ''].join('\n');
}

/** After a re-run: the commands its changes need in AWS (runbook.ts), or nothing when they need none. */
export function rerunSteps(context: TemplateContext, changes: RerunChanges): string | undefined {
  const sections = rerunRunbook(context, changes);
  if (sections.length === 0) return undefined;
  return ['', 'Next, in AWS, for what this run changed:', formatRunbook(sections), ''].join('\n');
}

/** The capacity provider the answers move the service to. */
const capacityOf = (answers: Answers) => (answers.spot ? 'Fargate Spot' : 'regular Fargate');

/** A deployed service with Service Connect off moves between Fargate and Fargate Spot in place. */
export function spotSwitchedDirectly(answers: Answers, environments: string[]): string {
  return (
    `Moving the deployed environment(s) ${environments.join(', ')} to ${capacityOf(answers)}: Service Connect is off for the service there, so one ` +
    `deploy does it: copilot svc deploy --name ${answers.service} --env <env> (or push to the environment's branch).`
  );
}

export function spotSwitchSteps(answers: Answers, environments: string[]): string {
  return [
    '',
    `Moving the deployed environment(s) ${environments.join(', ')} to ${capacityOf(answers)}. Copilot cannot switch a deployed`,
    'service while Service Connect is on (copilot-cli issues 4313, 5431), so it takes two deploys per environment:',
    `  1. copilot svc deploy --name ${answers.service} --env <env>   (the manifest now turns Service Connect off there)`,
    `  2. delete the \`network: connect: false\` override under environments.<env> in copilot/${answers.service}/manifest.yml,`,
    `     then copilot svc deploy --name ${answers.service} --env <env> again.`,
    '',
  ].join('\n');
}

/**
 * The service stack holds the database (`copilot storage init -l workload`): it stays there; how to move it, in the
 * deployment guide at `guide`.
 */
export function workloadDatabaseNote(answers: Answers, addon: string, guide: string): string {
  return (
    `The database stays in the ${answers.service} service's stack (${addon}), so deleting the service deletes it; no environment ` +
    'database was added. To move it: snapshot its cluster, delete the addon, run copilot-django again, and restore the snapshot ' +
    `into copilot/environments/addons/db.yml (Mappings.DBRestore); ${guide}, "The database", has the steps.`
  );
}
