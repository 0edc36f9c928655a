/**
 * The one table of questions. Each entry makes the prompt, the command-line flag (same name), the `--help` line and
 * the stored answer; its `rule` is the only validation, applied in answers.ts to every answer wherever it came from.
 */
import { basename } from 'node:path';
import { copilotName, domainName, oneOf, projectFolder, pythonModule, wsgiApplication } from './rules.js';
import type { SettingsChoice, WsgiChoice } from './detect.js';
import { branchesRule, isProductionEnvironment, parseBranches } from './branches.js';
import { repositoryRule, withoutCredentials } from './repository.js';

export interface Answers {
  app: string;
  service: string;
  /** '' when the app has no domain. */
  domain: string;
  /** `branch:environment` pairs, comma-separated, as the user gave them. */
  branches: string;
  /** Production environments may run without a domain, over plain HTTP (checked with domain and branches in answers.ts). */
  allowHttp: boolean;
  spot: boolean;
  /** '' when no repository is known yet (no pipelines are written then). */
  repository: string;
  /** The folder holding manage.py (an existing project's, or where a new one is written). */
  djangoDir: string;
  /** An existing project's settings module the deployment settings build on; '' for a new project. */
  settings: string;
  /** An existing project's WSGI application as gunicorn takes it (`module:callable`); '' for a new project. */
  wsgi: string;
  /** Where uploaded files (Django's default storage) go in the cloud: 'none' (the task's disk), or 's3'. */
  media: string;
  /** A background worker service: 'none', or 'celery' (the same image running `celery worker`). */
  worker: string;
  /** Scheduled jobs running the service's image: Django's housekeeping, and the pattern for the team's commands. */
  jobs: boolean;
  /** What deploys the project: 'copilot' (the manifests under copilot/), or 'cdk' (also an AWS CDK app in infra/). */
  target: string;
}

export type QuestionName = keyof Answers;

/** What defaults may depend on: the destination folder, its git remote, the Django projects in it. */
export interface DefaultsContext {
  destinationRoot: string;
  gitOrigin: () => string | undefined;
  managePyFolders: () => string[];
  /** The team's settings modules in the folder answered for --django-dir; undefined when the project is ours or absent. */
  settingsChoice: () => SettingsChoice | undefined;
  /** The WSGI application of the settings answered for --settings; undefined when the project is ours or absent. */
  wsgiChoice: () => WsgiChoice | undefined;
  /** An earlier question's answer, normalised; undefined when it has none yet. */
  answered: (name: QuestionName) => unknown;
}

interface QuestionBase<Name extends QuestionName> {
  name: Name;
  /** The prompt's text; also the flag's description in `--help`. */
  message: string;
  default: (context: DefaultsContext) => Answers[Name];
  /** How `--help` shows the default, which may depend on the folder. */
  defaultDescription: string;
  /** Turns what the user typed into the stored form (trimmed, lower-cased where case means nothing). */
  normalize: (value: Answers[Name]) => Answers[Name];
  /** Returns the broken rule ("must …" without "must"), or undefined. */
  rule: (value: Answers[Name]) => string | undefined;
  /** The rule as `--help` states it, completing "must …"; a boolean question's is the one of every boolean (answers.ts). */
  ruleDescription?: string;
  /** When asked, the answers to choose from (a list, not a text field), if there are any. */
  choices?: (context: DefaultsContext) => string[];
  /** When present, asked only for the reason this returns; otherwise the default is taken, even without --yes. */
  askReason?: (context: DefaultsContext) => string | undefined;
  /**
   * For a question added after the first release: what a run from before it existed did, which a stored record without
   * its answer therefore means (the base a re-run renders that earlier run's files from).
   */
  unstored?: Answers[Name];
}

export type Question = { [Name in QuestionName]: QuestionBase<Name> & { type: Answers[Name] extends boolean ? 'boolean' : 'string' } }[QuestionName];

/** The command-line flag of a question: `djangoDir` → `django-dir`. */
export function flagOf(question: { name: string }): string {
  return question.name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

const trimmed = (value: string) => value.trim();
const optional = (rule: (value: string) => string | undefined) => (value: string) => (value === '' ? undefined : rule(value));

/** Production environments of `branches` when `domain` is empty: they would serve logins over plain HTTP. */
export function productionWithoutDomain(domain: unknown, branches: unknown): string[] {
  if (domain !== '' || typeof branches !== 'string' || branchesRule(branches) !== undefined) return [];
  return parseBranches(branches)
    .map(({ environment }) => environment)
    .filter(isProductionEnvironment);
}

/** Latin letters that NFKD does not split into a base letter and marks, spelled in plain Latin letters. */
const PLAIN_SPELLINGS: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ŧ: 't', ŋ: 'ng', ĸ: 'k', ſ: 's' };

/**
 * A folder name turned into a Copilot name: `My_Shop` → `my-shop`, `Über Shop` → `uber-shop`, `Straße` → `strasse`
 * (compatibility decomposition, combining marks dropped, the letters above spelled out). 'app' when no Copilot name
 * is left (a name in another script, a single letter): the prompt offers it, and --yes takes it.
 */
function appNameFromFolder(folder: string): string {
  const name = basename(folder)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæøœđðþłıħŧŋĸſ]/g, (letter) => PLAIN_SPELLINGS[letter])
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return copilotName(name) === undefined ? name : 'app';
}

export const questions: Question[] = [
  {
    name: 'app',
    type: 'string',
    message: 'Copilot application name',
    default: ({ destinationRoot }) => appNameFromFolder(destinationRoot),
    defaultDescription: "the folder's name, normalised",
    normalize: trimmed,
    rule: copilotName,
    ruleDescription: 'be a Copilot name: a lower-case letter, then lower-case letters, digits and single hyphens; 2 to 32 characters',
  },
  {
    name: 'service',
    type: 'string',
    message: 'Service name (the Django web service)',
    default: () => 'django',
    defaultDescription: 'django',
    normalize: trimmed,
    rule: copilotName,
    ruleDescription: 'be a Copilot name, like the application name',
  },
  {
    name: 'domain',
    type: 'string',
    message: 'Domain registered in Route 53, for HTTPS (empty for none)',
    default: () => '',
    defaultDescription: 'none',
    normalize: (value) => value.trim().toLowerCase().replace(/\.$/, ''),
    rule: optional(domainName),
    ruleDescription: 'be a DNS name of a Route 53 hosted zone, like example.com, or empty',
  },
  {
    name: 'branches',
    type: 'string',
    message: 'Branch to environment pairs, one pipeline each (branch:environment,…)',
    default: () => 'develop:dev,main:prod',
    defaultDescription: 'develop:dev,main:prod',
    normalize: (value) =>
      value
        .split(',')
        .map((pair) => pair.trim())
        .join(','),
    rule: branchesRule,
    ruleDescription: 'be comma-separated branch:environment pairs: git branch names, Copilot environment names, each once',
  },
  {
    name: 'allowHttp',
    type: 'boolean',
    message: 'Run production environments without a domain, over plain HTTP (admin passwords travel unencrypted)?',
    default: () => false,
    defaultDescription: 'no',
    normalize: (value) => value,
    rule: () => undefined,
    askReason: ({ answered }) => {
      const production = productionWithoutDomain(answered('domain'), answered('branches'));
      if (production.length === 0) return undefined;
      const which = `${production.join(', ')} ${production.length > 1 ? 'are production environments' : 'is a production environment'}`;
      return `--domain is empty and ${which}, whose admin login would travel over plain HTTP (--domain gives HTTPS)`;
    },
    // Runs from before it wrote production environments without a domain as they were asked to.
    unstored: true,
  },
  {
    name: 'spot',
    type: 'boolean',
    message: 'Run the tasks on Fargate Spot (cheaper, may be interrupted)?',
    default: () => false,
    defaultDescription: 'no',
    normalize: (value) => value,
    rule: () => undefined,
  },
  {
    name: 'repository',
    type: 'string',
    message: 'Source repository URL for the pipelines (GitHub, Bitbucket or CodeCommit; empty for none yet)',
    // A token or password in the URL (`https://x-access-token:TOKEN@github.com/…`) is never stored, shown or used.
    default: ({ gitOrigin }) => withoutCredentials(gitOrigin() ?? '').url,
    defaultDescription: '`git remote get-url origin` without its credentials, if any',
    normalize: (value) => withoutCredentials(value.trim()).url,
    rule: optional(repositoryRule),
    ruleDescription: 'be a GitHub, Bitbucket or CodeCommit URL (https or ssh), or empty',
  },
  {
    name: 'djangoDir',
    type: 'string',
    message: 'Folder of the Django project (holding manage.py)',
    // One manage.py at the root or one folder down: that project. None: a new project in app/. Several: asked.
    default: ({ managePyFolders }) => {
      const folders = managePyFolders();
      return folders.length === 0 ? 'app' : folders[0];
    },
    defaultDescription: 'the folder holding manage.py (root or one level down), else app',
    normalize: (value) => value.trim().replace(/^\.\/+/, '').replace(/\/+$/, '') || '.',
    rule: projectFolder,
    ruleDescription: 'be a relative folder inside the repository holding manage.py (or where a new project goes), not in .git, node_modules or copilot',
    choices: ({ managePyFolders }) => managePyFolders(),
    askReason: ({ managePyFolders }) => {
      const folders = managePyFolders();
      return folders.length > 1 ? `several folders hold a manage.py (${folders.join(', ')})` : undefined;
    },
  },
  {
    name: 'settings',
    type: 'string',
    message: "Your project's settings module that the deployment builds on",
    default: ({ settingsChoice }) => settingsChoice()?.module ?? '',
    defaultDescription: 'the one settings module (or production one) that manage.py, wsgi.py or asgi.py names; none for a new project',
    normalize: trimmed,
    rule: optional(pythonModule),
    ruleDescription: 'be a dotted Python module the repository holds, like shop.settings.production',
    askReason: ({ settingsChoice }) => settingsChoice()?.doubt,
    // Runs from before it detected the project then, as it is detected now.
    unstored: '',
  },
  {
    name: 'wsgi',
    type: 'string',
    message: "Your project's WSGI application for gunicorn (module:callable)",
    default: ({ wsgiChoice }) => wsgiChoice()?.application ?? '',
    defaultDescription: "WSGI_APPLICATION of the settings, else the wsgi.py next to manage.py; none for a new project",
    normalize: trimmed,
    rule: optional(wsgiApplication),
    ruleDescription: 'be module:callable, like shop.wsgi:application',
    askReason: ({ wsgiChoice }) => wsgiChoice()?.doubt,
    // Runs from before it detected the application then, as it is detected now.
    unstored: '',
  },
  {
    name: 'media',
    type: 'string',
    message: 'Where uploaded files go: none, or s3 (a private S3 bucket per environment, served through signed URLs)',
    default: () => 'none',
    defaultDescription: 'none',
    normalize: (value) => value.trim().toLowerCase(),
    rule: oneOf(['none', 's3']),
    ruleDescription: 'be none or s3',
    choices: () => ['none', 's3'],
    // Runs from before it wrote no media bucket.
    unstored: 'none',
  },
  {
    name: 'worker',
    type: 'string',
    message: 'A background worker: none, or celery (a worker service on the same image, Redis as its broker)',
    default: () => 'none',
    defaultDescription: 'none',
    normalize: (value) => value.trim().toLowerCase(),
    rule: oneOf(['none', 'celery']),
    ruleDescription: 'be none or celery',
    choices: () => ['none', 'celery'],
    // Runs from before it wrote no worker.
    unstored: 'none',
  },
  {
    name: 'jobs',
    type: 'boolean',
    message: "Scheduled jobs on the service's image (Django's clearsessions nightly, and your own commands)?",
    default: () => false,
    defaultDescription: 'no',
    normalize: (value) => value,
    rule: () => undefined,
    // Runs from before it wrote no scheduled job.
    unstored: false,
  },
  {
    name: 'target',
    type: 'string',
    message: 'What deploys it: copilot, or cdk (also an AWS CDK app in infra/ building the same task, beside copilot/)',
    default: () => 'copilot',
    defaultDescription: 'copilot',
    normalize: (value) => value.trim().toLowerCase(),
    rule: oneOf(['copilot', 'cdk']),
    ruleDescription: 'be copilot or cdk',
    choices: () => ['copilot', 'cdk'],
    // Runs from before it wrote no CDK app.
    unstored: 'copilot',
  },
];

/** What a stored record means for the questions it has no answer to: each one's `unstored` value. */
export function unstoredAnswers(): Partial<Record<QuestionName, unknown>> {
  return Object.fromEntries(questions.filter((question) => question.unstored !== undefined).map((question) => [question.name, question.unstored]));
}

/** The Copilot name of the scheduled job --jobs writes (plan.ts HOUSEKEEPING_JOB): no service may take it. */
export const HOUSEKEEPING_JOB_NAME = 'housekeeping';

/** The parts a re-run removes only with their `--remove-…` flag, and what turns each off. */
export const OPTIONAL_PARTS = [
  { answer: 'media', flag: 'remove-media', off: 'none', what: "the media bucket's addons (the bucket itself stays in AWS, retained)" },
  { answer: 'worker', flag: 'remove-worker', off: 'none', what: 'the worker service and its broker' },
  { answer: 'jobs', flag: 'remove-jobs', off: false, what: 'the scheduled jobs' },
] as const;

export type OptionalPart = (typeof OPTIONAL_PARTS)[number]['answer'];

/** The optional parts the previous answers had on and these turn off. */
export function droppedParts(previous: Answers | undefined, answers: Answers): OptionalPart[] {
  if (!previous) return [];
  return OPTIONAL_PARTS.filter((part) => previous[part.answer] !== part.off && answers[part.answer] === part.off).map((part) => part.answer);
}
