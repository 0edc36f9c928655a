/**
 * Which files a run writes, from which templates, under which conditions. The template tree mirrors the output:
 * `__django__`, `__service__`, `__environment__` and `__pipeline__` in a template path are replaced by the planned
 * names (`__django__` is the folder holding manage.py).
 * `merge: 'yaml'` files are merged as YAML documents into what the user already has (see merge.ts); the others
 * go through Yeoman's conflict handling.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { templatesRoot } from './paths.js';
import { GUIDE, ROOT_README } from './guide.js';
import type { EnvironmentPlan, TemplateContext } from './plan.js';
import type { OptionalPart } from './questions.js';

export interface PlannedFile {
  template: string;
  destination: string;
  /**
   * yaml: merged as documents (merge.ts); lines: the lines the user's file lacks are appended; section: appended
   * once to the user's file, unless it names the deployment guide already (guide.ts).
   */
  merge?: 'yaml' | 'lines' | 'section';
  executable?: boolean;
  /** Extra values for this file's template (the environment a per-environment file is about). */
  locals?: Record<string, unknown>;
  /**
   * The optional parts (media, worker, jobs) the file belongs to: a re-run turning any of them off removes it on
   * consent (the worker's access to the media bucket goes with the worker or with the bucket).
   */
  parts?: OptionalPart[];
}

interface FileGroup {
  condition?: (context: TemplateContext) => boolean;
  /** The optional parts the group's files belong to (PlannedFile.parts). */
  parts?: OptionalPart[];
  /** One copy of the group per environment, `__environment__`/`__pipeline__` filled in. */
  perEnvironment?: boolean;
  /** A destination of its own: the path, or the path for this plan (a template placed under another workload's folder). */
  templates: Array<string | (Omit<PlannedFile, 'destination' | 'locals'> & { destination?: string | ((context: TemplateContext) => string) })>;
}

/**
 * A new project gets a Django project of its own; an existing one keeps its manage.py, settings and URLs. Both get
 * the same deployment settings (copilot_deploy/settings.py), which import the project's, and a health check that
 * needs no URL of theirs (copilot_deploy/middleware.py).
 */
const NEW_PROJECT_ONLY = ['__django__/manage.py', '__django__/config/', '__django__/requirements.txt'];

/** The Celery worker's Django modules (--worker celery): written with its group below, removed with it. */
const WORKER_ONLY = ['__django__/copilot_deploy/celery.py', '__django__/copilot_deploy/management/commands/wait_for_migrations.py'];

const within = (template: string, prefixes: string[]) => prefixes.some((prefix) => template.startsWith(prefix));

/** Every template under `folder` that `keep` accepts, shell scripts executable. */
function templatesUnder(folder: string, keep: (template: string) => boolean): Array<Omit<PlannedFile, 'destination' | 'locals'>> {
  return readdirSync(join(templatesRoot(), folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(templatesRoot(), join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter(keep)
    .sort()
    .map((template) => (template.endsWith('.sh') ? { template, executable: true } : { template }));
}

/**
 * The Copilot manifests (copilot/…) use only keys of copilot-cli's manifest structs, checked against aws/copilot-cli
 * tag v1.33.2 (commit 8da516ae3af52de374b007d86acf6872f8765b25; internal/pkg/manifest is byte-identical at mainline
 * 4c858e718bc88449e29540993d8496ac81d7b419, the newest the source store holds; v1.34.1 itself could not be read).
 * test/support/copilot-schema.ts holds that schema and fails on any unknown key.
 */
const groups: FileGroup[] = [
  { templates: templatesUnder('__django__', (template) => !within(template, [...NEW_PROJECT_ONLY, ...WORKER_ONLY])) },
  {
    condition: (context) => !context.existingProject,
    templates: templatesUnder('__django__', (template) => within(template, NEW_PROJECT_ONLY) && !template.endsWith('requirements.txt')),
  },
  // An existing project without requirements gets ours; one with them gets only what is missing (requirements.ts).
  { condition: (context) => !context.hasOwnRequirements, templates: ['__django__/requirements.txt'] },
  { templates: templatesUnder('nginx', () => true) },
  {
    templates: [
      { template: 'copilot/.workspace', merge: 'yaml' },
      { template: 'copilot/__service__/manifest.yml', merge: 'yaml' },
      { template: 'docker-compose.yml', merge: 'yaml' },
      { template: '_gitignore', merge: 'lines' },
    ],
  },
  // The deployment guide goes next to the manifests, never in the repository's README, which gets a section linking
  // it. A guide an earlier version wrote as a new project's README.md stays there, alone (guide.ts).
  { condition: (context) => context.guide === ROOT_README, templates: ['README.md'] },
  {
    condition: (context) => context.guide !== ROOT_README,
    templates: [
      { template: 'README.md', destination: GUIDE },
      { template: 'README.guide-section.md', destination: ROOT_README, merge: 'section' },
    ],
  },
  { perEnvironment: true, templates: [{ template: 'copilot/environments/__environment__/manifest.yml', merge: 'yaml' }] },
  // The environments' database (database.ts): one addon for all of them, with a capacity entry per environment.
  { condition: (context) => context.database !== undefined, templates: [{ template: 'copilot/environments/addons/db.yml', merge: 'yaml' }] },
  // What Copilot passes the environment addons (the database's, the worker's Redis).
  {
    condition: (context) => context.database !== undefined || context.worker !== undefined,
    templates: [{ template: 'copilot/environments/addons/addons.parameters.yml', merge: 'yaml' }],
  },
  // The Celery worker (--worker celery): a Backend Service on the Django image, Redis on ElastiCache Serverless as an
  // environment addon, the Celery application and the worker's wait for migrations in the deployment package.
  {
    parts: ['worker'],
    condition: (context) => context.worker !== undefined,
    templates: [
      { template: 'copilot/__worker__/manifest.yml', merge: 'yaml' },
      { template: 'copilot/environments/addons/redis.yml', merge: 'yaml' },
      ...WORKER_ONLY,
    ],
  },
  // Uploaded files on S3 (--media s3): a private bucket per environment, and the service's access to it (its task
  // role, its MEDIA_BUCKET_NAME). The workload addon names no workload: another workload reaches the same bucket with
  // a row placing it in its folder, `{ template: 'copilot/__service__/addons/media.yml', destination: (context) => … }`.
  {
    parts: ['media'],
    condition: (context) => context.media,
    templates: [
      { template: 'copilot/environments/addons/media.yml', merge: 'yaml' },
      { template: 'copilot/__service__/addons/media.yml', merge: 'yaml' },
    ],
  },
  // The worker's and the job's access to the media bucket: the service's workload addon, in their folders.
  {
    parts: ['media', 'worker'],
    condition: (context) => context.media && context.worker !== undefined,
    templates: [{ template: 'copilot/__service__/addons/media.yml', merge: 'yaml', destination: (context) => `copilot/${context.worker!.name}/addons/media.yml` }],
  },
  {
    parts: ['media', 'jobs'],
    condition: (context) => context.media && context.job !== undefined,
    templates: [{ template: 'copilot/__service__/addons/media.yml', merge: 'yaml', destination: (context) => `copilot/${context.job!.name}/addons/media.yml` }],
  },
  // Django's housekeeping on a schedule (plan.ts HOUSEKEEPING_JOB); each pipeline deploys it with the service.
  { parts: ['jobs'], condition: (context) => context.job !== undefined, templates: [{ template: 'copilot/__job__/manifest.yml', merge: 'yaml' }] },
  // The AWS CDK app (--target cdk, infra.ts): the same task as the Copilot files, beside them; they stay as they are.
  { condition: (context) => context.target === 'cdk', templates: templatesUnder('infra', () => true) },
  // Copilot's release signing key, one file that every pipeline's buildspec verifies the binary against.
  { condition: (context) => context.source !== undefined, templates: ['copilot/pipelines/amazon-ecs-public-key.asc'] },
  {
    perEnvironment: true,
    condition: (context) => context.source !== undefined,
    templates: [
      { template: 'copilot/pipelines/__pipeline__/manifest.yml', merge: 'yaml' },
      { template: 'copilot/pipelines/__pipeline__/buildspec.yml', merge: 'yaml' },
    ],
  },
];

/** A team's project: the templates whose output would collide with the team's files, and where they go instead. */
const SEPARATE: Array<[template: RegExp, destination: (context: TemplateContext) => string]> = [
  [/^__django__\/(Dockerfile|entrypoint\.sh|gunicorn\.conf\.py)$/, () => '__django__/copilot_deploy/$1'],
  // BuildKit reads `<Dockerfile>.dockerignore` next to the Dockerfile instead of the context's .dockerignore.
  [/^__django__\/\.dockerignore$/, () => '__django__/copilot_deploy/Dockerfile.dockerignore'],
  [/^nginx\//, (context) => `${context.nginxDir}/`],
  [/^docker-compose\.yml$/, (context) => context.composeFile],
];

function destinationOf(template: string, context: TemplateContext, environment?: EnvironmentPlan): string {
  if (context.separateFiles) {
    const rule = SEPARATE.find(([pattern]) => pattern.test(template));
    if (rule) template = template.replace(rule[0], rule[1](context));
  }
  let destination = template
    .replace(/^__django__\//, context.djangoDir === '.' ? '' : `${context.djangoDir}/`)
    .replace('__service__', context.service)
    .replace('__worker__', context.worker?.name ?? '__worker__')
    .replace('__job__', context.job?.name ?? '__job__')
    .replace(/(^|\/)_gitignore$/, '$1.gitignore');
  if (environment) {
    destination = destination.replace('__environment__', environment.name).replace('__pipeline__', environment.pipelineName);
  }
  return destination;
}

function destinationFor(file: { template: string; destination?: string | ((context: TemplateContext) => string) }, context: TemplateContext, environment?: EnvironmentPlan): string {
  if (typeof file.destination === 'function') return file.destination(context);
  return file.destination || destinationOf(file.template, context, environment);
}

export function planFiles(context: TemplateContext): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const group of groups) {
    if (group.condition && !group.condition(context)) continue;
    const environments = group.perEnvironment ? context.environments : [undefined];
    for (const environment of environments) {
      for (const entry of group.templates) {
        const file = typeof entry === 'string' ? { template: entry } : entry;
        if (context.hasTemplate && !context.hasTemplate(file.template)) continue;
        files.push({
          ...file,
          ...(group.parts ? { parts: group.parts } : {}),
          destination: destinationFor(file, context, environment),
          ...(environment ? { locals: { environment } } : {}),
        });
      }
    }
  }
  return files;
}
