/**
 * What the generator says at the end of a run: the next commands, the Spot switch when one starts, and where the
 * database stays when the service stack holds one.
 */
import { planContext } from './plan.js';
import type { Answers } from './questions.js';

export function nextSteps(answers: Answers): string {
  const context = planContext(answers);
  const first = context.environments[0];
  return [
    '',
    `Written. Next (README.md has the whole story):`,
    `  copilot app init ${answers.app}${answers.domain ? ` --domain ${answers.domain}` : ''}`,
    ...context.environments.map((environment) => `  copilot env init --name ${environment.name} --default-config && copilot env deploy --name ${environment.name}`),
    `  copilot secret init --name DJANGO_SECRET_KEY   (and DJANGO_SUPERUSER_USERNAME, _EMAIL, _PASSWORD)`,
    `  copilot storage init -t Aurora -n db -w ${answers.service} -l workload --engine PostgreSQL`,
    `  copilot svc deploy --name ${answers.service} --env ${first.name}`,
    ...(context.source
      ? context.environments.map((environment) => `  copilot pipeline deploy --name ${environment.pipelineName}`)
      : ['  (pipelines: run again with --repository <URL>)']),
    '',
  ].join('\n');
}

export function spotSwitchSteps(answers: Answers, environments: string[]): string {
  const target = answers.spot ? 'Fargate Spot' : 'regular Fargate';
  return [
    '',
    `Moving the deployed environment(s) ${environments.join(', ')} to ${target}. Copilot cannot switch a deployed`,
    'service while Service Connect is on (copilot-cli issues 4313, 5431), so it takes two deploys per environment:',
    `  1. copilot svc deploy --name ${answers.service} --env <env>   (the manifest now turns Service Connect off there)`,
    `  2. delete the \`network: connect: false\` override under environments.<env> in copilot/${answers.service}/manifest.yml,`,
    `     then copilot svc deploy --name ${answers.service} --env <env> again.`,
    '',
  ].join('\n');
}

/** The service stack holds the database (`copilot storage init -l workload`): it stays there; how to move it. */
export function workloadDatabaseNote(answers: Answers, addon: string): string {
  return (
    `The database stays in the ${answers.service} service's stack (${addon}), so deleting the service deletes it; no environment ` +
    'database was added. To move it: snapshot its cluster, delete the addon, run copilot-django again, and restore the snapshot ' +
    'into copilot/environments/addons/db.yml (Mappings.DBRestore); README.md, "The database", has the steps.'
  );
}
