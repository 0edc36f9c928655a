/**
 * The commands from an empty AWS account to a deployed service, as data: the generated README and the summary a run
 * prints both render these steps, so they cannot disagree. A re-run gets the steps for what it changed (an
 * environment added or removed, pipelines written for the first time).
 *
 * Every command and flag is one Copilot's own CLI accepts (test/data/copilot-commands.json, from Copilot's source),
 * and test/runbook.test.ts walks the steps in order against a model of what each command needs first.
 */
import { planFiles } from './files.js';
import type { EnvironmentPlan, PipelineSource, TemplateContext } from './plan.js';
import { shellWord } from './quoting.js';

export interface RunbookStep {
  /** One shell command, exactly as the user types it; a value that may hold shell characters is a quoted word. */
  command: string;
  /** Why it is there, or what it does, in a few words. */
  why: string;
}

export interface RunbookSection {
  title: string;
  /** Said before the commands. */
  intro?: string;
  steps: RunbookStep[];
  /** Said after the commands: what the user does by hand (a console approval, a URL to open). */
  after?: string;
}

const SECRETS: Array<{ name: string; why: string }> = [
  { name: 'DJANGO_SECRET_KEY', why: "Django's signing key: paste a value like the line above prints, one per environment" },
  { name: 'DJANGO_SUPERUSER_USERNAME', why: "the first superuser's name, created at the first start" },
  { name: 'DJANGO_SUPERUSER_EMAIL', why: "the first superuser's email" },
  { name: 'DJANGO_SUPERUSER_PASSWORD', why: "the first superuser's password (the task never changes an existing user's)" },
];

const COMMIT_MESSAGE = 'Deploy with AWS Copilot';

function environmentSteps(context: TemplateContext, environments: EnvironmentPlan[]): RunbookStep[] {
  return environments.flatMap((environment) => [
    {
      command: `copilot env init --name ${environment.name} --profile default --default-config`,
      why: `registers ${environment.name} in the application; keeps copilot/environments/${environment.name}/manifest.yml`,
    },
    {
      command: `copilot env deploy --name ${environment.name}`,
      why:
        (context.database
          ? 'its network, load balancer, cluster, and the database addon of copilot/environments/addons/ (the service reads it as DB_SECRET)'
          : 'its network, load balancer and cluster') +
        // The service's own addon imports the bucket's exports: the environment goes first.
        (context.media ? '; the media bucket (copilot/environments/addons/media.yml), before the service imports it' : ''),
    },
  ]);
}

function secretSteps(context: TemplateContext): RunbookStep[] {
  const known = new Set(SECRETS.map(({ name }) => name));
  // The secrets a team's settings need (settings-environment.ts) that are not the deployment's own.
  const theirs = [...new Set(context.settingsEnvironment.secrets.map(({ parameter }) => parameter))].filter((name) => !known.has(name));
  return [
    { command: 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"', why: 'prints a value for DJANGO_SECRET_KEY' },
    ...SECRETS.map(({ name, why }) => ({ command: `copilot secret init --name ${name}`, why })),
    ...theirs.map((name) => ({ command: `copilot secret init --name ${name}`, why: `${name}, which your settings read` })),
  ];
}

function serviceDeploySteps(context: TemplateContext, environments: EnvironmentPlan[]): RunbookStep[] {
  return environments.flatMap((environment) => [
    {
      command: `copilot svc deploy --name ${context.service} --env ${environment.name}`,
      why: `builds the Django and nginx images and deploys them to ${environment.name}`,
    },
    ...workerDeploySteps(context, [environment]),
  ]);
}

/** The Celery worker (--worker celery): the Django image again, as a Backend Service; it waits for the service's migrations. */
function workerDeploySteps(context: TemplateContext, environments: EnvironmentPlan[]): RunbookStep[] {
  const { worker } = context;
  if (!worker) return [];
  return environments.map((environment) => ({
    command: `copilot svc deploy --name ${worker.name} --env ${environment.name}`,
    why: `the Celery worker on the same Django image in ${environment.name}; it starts once the service has migrated`,
  }));
}

function workerInitSteps(context: TemplateContext): RunbookStep[] {
  if (!context.worker) return [];
  return [
    {
      command: `copilot svc init --name ${context.worker.name}`,
      why: `the Celery worker (a Backend Service), likewise; copilot/${context.worker.name}/manifest.yml is kept`,
    },
  ];
}

/** What the run wrote, by top-level path: what the pipelines build from must be on the branch. */
export function committedPaths(context: TemplateContext): string[] {
  // .yo-rc.json holds the answers a teammate's re-run starts from.
  const paths = ['.yo-rc.json', ...planFiles(context).map((file) => file.destination.split('/')[0])];
  // An existing project's own requirements get gunicorn and a driver appended.
  if (context.hasOwnRequirements) paths.push(`${context.djangoPrefix}${context.requirementsFile}`.split('/')[0]);
  return [...new Set(paths)].sort();
}

function pushSection(context: TemplateContext, environments: EnvironmentPlan[]): RunbookSection {
  return {
    title: 'The code, on each branch',
    intro:
      'each pipeline builds from its branch as pushed: its manifests, buildspec and Dockerfiles must be there before ' +
      'the pipeline is created (it starts a first release at once). A push is refused where the branch has commits ' +
      'this one lacks: merge, then push.',
    steps: [
      { command: `git add ${committedPaths(context).map(shellWord).join(' ')}`, why: 'what the generator wrote' },
      { command: `git commit -m "${COMMIT_MESSAGE}"`, why: 'one commit for every branch' },
      ...environments.map((environment) => ({
        command: `git push origin ${shellWord(`HEAD:${environment.branch}`)}`,
        why: `branch ${environment.branch}, deployed to ${environment.name}`,
      })),
    ],
  };
}

function connectionSection(source: PipelineSource): RunbookSection | undefined {
  if (!source.connectionName) return undefined;
  return {
    title: `The connection to ${source.provider}`,
    intro:
      `every pipeline's manifest names the connection ${source.connectionName}, and \`copilot pipeline deploy\` looks ` +
      'it up by that name: it must exist first, in the application\'s region.',
    steps: [
      {
        command: `aws codestar-connections create-connection --provider-type ${source.provider} --connection-name ${source.connectionName}`,
        why: 'created PENDING',
      },
    ],
    after:
      `Approve it once in the console (Developer Tools → Settings → Connections → ${source.connectionName} → Update ` +
      `pending connection), which lets AWS read the repository: its status goes from PENDING to AVAILABLE.`,
  };
}

function pipelineSection(environments: EnvironmentPlan[]): RunbookSection {
  const production = environments.some((environment) => environment.production);
  return {
    title: 'The pipelines, one per branch',
    steps: environments.map((environment) => ({
      command: `copilot pipeline deploy --name ${environment.pipelineName}`,
      why: `branch ${environment.branch} → ${environment.name}`,
    })),
    after: `Push to a branch and its pipeline deploys that environment only${production ? '; production stages wait for a manual approval' : ''}.`,
  };
}

/** Branches, connection and pipelines: what the pipelines of `environments` need, in order. */
function pipelineSections(context: TemplateContext, environments: EnvironmentPlan[], needsConnection: boolean): RunbookSection[] {
  if (!context.source || environments.length === 0) return [];
  const connection = needsConnection ? connectionSection(context.source) : undefined;
  return [pushSection(context, environments), ...(connection ? [connection] : []), pipelineSection(environments)];
}

function serviceURL(context: TemplateContext, environment: EnvironmentPlan): string {
  return context.https ? `https://${context.service}.${environment.name}.${context.app}.${context.domain}/admin/` : 'the URL `copilot svc show` prints, followed by `/admin/`';
}

/** From an empty AWS account (credentials in the shell, Docker, Copilot) to every environment deployed. */
export function firstRunbook(context: TemplateContext): RunbookSection[] {
  const { environments, source } = context;
  // With pipelines, the first environment is deployed by hand (the quickest check) and each pipeline deploys its own.
  const deployedByHand = source ? environments.slice(0, 1) : environments;
  return [
    {
      title: 'The application',
      intro: context.https ? `its domain, ${context.domain}, must be a hosted zone in Route 53 of this account.` : undefined,
      steps: [
        {
          command: `copilot app init ${context.app}${context.https ? ` --domain ${context.domain}` : ''}`,
          why: 'the application and its roles; copilot/.workspace already names it',
        },
      ],
    },
    { title: 'The environments', intro: 'their manifests are in copilot/environments/.', steps: environmentSteps(context, environments) },
    {
      title: 'The service, registered',
      steps: [
        {
          command: `copilot svc init --name ${context.service}`,
          why: `adds it to the application and creates its ECR repository; copilot/${context.service}/manifest.yml is kept`,
        },
        ...workerInitSteps(context),
        ...(context.job
          ? [
              {
                command: `copilot job init --name ${context.job.name} --type "Scheduled Job"`,
                why: `the scheduled job, likewise; copilot/${context.job.name}/manifest.yml is kept (the pipelines deploy it after the service)`,
              },
            ]
          : []),
      ],
    },
    {
      title: 'The secrets',
      intro:
        `Copilot asks a value for each environment and stores it in SSM at /copilot/${context.app}/<env>/secrets/<NAME>, ` +
        'never in a file of this repository. It needs the environments deployed.',
      steps: secretSteps(context),
    },
    {
      title: 'The service, deployed',
      steps: serviceDeploySteps(context, deployedByHand),
      after:
        `The first start migrates the database and creates the superuser from the secrets; nobody opens a shell. ` +
        `Open ${serviceURL(context, environments[0])}.`,
    },
    ...(source
      ? pipelineSections(context, environments, true)
      : [{ title: 'The pipelines', intro: 'run the generator again with `--repository <URL>`: it writes them and prints their steps.', steps: [] }]),
  ];
}

export interface RerunChanges {
  /** Environments this run added. */
  added: EnvironmentPlan[];
  /** Environments this run removed, as the last run planned them. */
  removed: EnvironmentPlan[];
  /** The last run wrote pipelines (its repository), so their connection exists. */
  hadPipelines: boolean;
  /** This run adds the Celery worker (--worker celery) to a project that had none. */
  workerAdded?: boolean;
}

/** What changed between the last run's plan and this one's, for the steps in AWS. */
export function rerunChanges(previous: TemplateContext, context: TemplateContext): RerunChanges {
  const names = (plan: TemplateContext) => new Set(plan.environments.map((environment) => environment.name));
  const before = names(previous);
  const now = names(context);
  return {
    added: context.environments.filter((environment) => !before.has(environment.name)),
    removed: previous.environments.filter((environment) => !now.has(environment.name)),
    hadPipelines: previous.source !== undefined,
    workerAdded: previous.worker === undefined && context.worker !== undefined,
  };
}

/** What a re-run's changes need in AWS: new environments set up and deployed, removed ones deleted. */
export function rerunRunbook(context: TemplateContext, changes: RerunChanges): RunbookSection[] {
  const { added, removed, hadPipelines } = changes;
  const sections: RunbookSection[] = [];
  // First: the worker's registration comes before any deploy of it, the new environments' included.
  const kept = context.environments.filter((environment) => !added.includes(environment));
  if (changes.workerAdded) {
    sections.push({
      title: 'The Celery worker',
      intro: 'each environment gets its Redis (copilot/environments/addons/redis.yml) first; the service then reads it as REDIS_URL.',
      steps: [
        ...kept.map((environment) => ({ command: `copilot env deploy --name ${environment.name}`, why: `the Redis addon in ${environment.name}` })),
        ...workerInitSteps(context),
        ...serviceDeploySteps(context, kept),
      ],
    });
  }
  if (added.length > 0) {
    const names = added.map((environment) => environment.name).join(', ');
    sections.push(
      { title: `The new environment${added.length > 1 ? 's' : ''}`, steps: environmentSteps(context, added) },
      {
        title: 'Their secrets',
        intro: `give a value for ${names} only: an environment left empty keeps its secret.`,
        steps: secretSteps(context),
      },
      { title: 'The service, deployed there', steps: serviceDeploySteps(context, added) },
    );
  }
  // Pipelines written for the first time cover every environment; otherwise only the added ones are new.
  sections.push(...pipelineSections(context, hadPipelines ? added : context.environments, !hadPipelines));
  if (removed.length > 0) {
    sections.push({
      title: `The removed environment${removed.length > 1 ? 's' : ''}`,
      intro: 'Copilot deletes an environment only once no pipeline deploys to it and no service runs in it.',
      steps: removed.flatMap((environment) => [
        ...(hadPipelines ? [{ command: `copilot pipeline delete --name ${environment.pipelineName}`, why: `the pipeline of branch ${environment.branch}` }] : []),
        { command: `copilot svc delete --name ${context.service} --env ${environment.name}`, why: `the service in ${environment.name}` },
        ...(context.worker ? [{ command: `copilot svc delete --name ${context.worker.name} --env ${environment.name}`, why: `the Celery worker in ${environment.name}` }] : []),
        {
          command: `copilot env delete --name ${environment.name}`,
          why: context.database ? 'the environment and its database addon (copilot/environments/addons/db.yml says what is kept)' : 'the environment',
        },
      ]),
    });
  }
  return sections;
}

/** The sections as the run prints them: numbered titles, then each command under a comment saying why. */
export function formatRunbook(sections: RunbookSection[]): string {
  const lines: string[] = [];
  sections.forEach((section, index) => {
    lines.push(`${index + 1}. ${section.title}${section.intro ? `: ${section.intro}` : ''}`);
    for (const step of section.steps) lines.push(`     # ${step.why}`, `     ${step.command}`);
    if (section.after) lines.push(`   ${section.after}`);
  });
  return lines.join('\n');
}
