/**
 * The two commands as the user types them: `copilot-django [flags]` and `copilot-django env <name> --branch <branch>`
 * (the same through `yo copilot-django` and `yo copilot-django:env`). Their flags come from the one question table
 * (questions.ts) plus the run's own flags; from them come Yeoman's options, the reading of the raw arguments (booleans
 * take yes/no, true/false or 1/0, a stray argument is refused) and `--help` (help.ts).
 */
import { AnswersError, BOOLEAN_RULE, parseBoolean } from './answers.js';
import { flagOf, OPTIONAL_PARTS, questions, type QuestionName } from './questions.js';

export interface Flag {
  name: string;
  boolean: boolean;
  /** A one-letter alias (`-y`). */
  alias?: string;
  /** What a string flag's value is, as `--help` shows it: `--app <name>`. */
  value?: string;
  description: string;
  /** Completes "must …"; a boolean's is BOOLEAN_RULE. */
  rule?: string;
  defaultDescription?: string;
}

export interface Command {
  name: 'app' | 'env';
  arguments: Array<{ name: string; description: string; rule: string }>;
  flags: Flag[];
}

const VALUE_NAMES: Record<QuestionName, string> = {
  app: 'name',
  service: 'name',
  domain: 'domain',
  branches: 'branch:env,…',
  allowHttp: '',
  spot: '',
  repository: 'url',
  djangoDir: 'folder',
  settings: 'module',
  wsgi: 'module:callable',
  media: 'none|s3',
  worker: 'none|celery',
  jobs: '',
  target: 'copilot|cdk',
};

const CWD: Flag = {
  name: 'cwd',
  boolean: false,
  value: 'folder',
  description: 'Write into this folder (created when missing) instead of the project root found from the working folder.',
  defaultDescription: "the nearest folder above holding copilot-django's .yo-rc.json, else the git repository's root, else the working folder",
};
const YES: Flag = { name: 'yes', alias: 'y', boolean: true, description: 'Never prompt: take the stored answers, then the defaults.', defaultDescription: 'no' };
const FORCE: Flag = {
  name: 'force',
  boolean: true,
  description:
    "Where you changed a file (or a value) the generator changes too, take the generator's version. Without it the run asks at a terminal, and keeps yours with --yes or without a terminal.",
  defaultDescription: 'no',
};
const HELP: Flag = { name: 'help', alias: 'h', boolean: true, description: 'Print this help.' };
const VERSION: Flag = { name: 'version', boolean: true, description: 'Print the version of copilot-django.' };

export const appCommand: Command = {
  name: 'app',
  arguments: [],
  flags: [
    ...questions.map(
      (question): Flag => ({
        name: flagOf(question),
        boolean: question.type === 'boolean',
        value: VALUE_NAMES[question.name] || undefined,
        description: question.message,
        rule: question.type === 'boolean' ? BOOLEAN_RULE : question.ruleDescription,
        defaultDescription: question.defaultDescription,
      }),
    ),
    YES,
    FORCE,
    {
      name: 'remove-environments',
      boolean: true,
      description: 'Let a re-run remove the environments no longer in --branches: it deletes their manifests and pipelines.',
      defaultDescription: 'no',
    },
    ...OPTIONAL_PARTS.map(
      (part): Flag => ({
        name: part.flag,
        boolean: true,
        description: `Let a re-run remove ${part.what} when --${part.answer} turns it off.`,
        defaultDescription: 'no',
      }),
    ),
    {
      name: 'confirm-rename',
      boolean: true,
      description: 'Let a re-run change --app or --domain, which Copilot fixed when the application was created.',
      defaultDescription: 'no',
    },
    CWD,
    HELP,
    VERSION,
  ],
};

export const envCommand: Command = {
  name: 'env',
  arguments: [{ name: 'name', description: 'Name of the new environment.', rule: 'be a Copilot name that is not yet an environment of another branch' }],
  flags: [
    {
      name: 'branch',
      boolean: false,
      value: 'branch',
      description: 'The branch whose pipeline deploys to the new environment (required).',
      rule: 'be a git branch name without a comma',
    },
    YES,
    FORCE,
    CWD,
    HELP,
    VERSION,
  ],
};

/** What the raw arguments say beyond Yeoman's own parsing. */
export interface ReadArguments {
  /** Each boolean flag given, with its value as typed (`true` for `--spot`, `false` for `--no-spot`). */
  booleans: Map<string, unknown>;
  positionals: string[];
}

const takesWord = (word: string | undefined) => word !== undefined && !word.startsWith('-') && parseBoolean(word) !== undefined;

/**
 * Reads `args` as typed. Refuses an unknown flag and a stray argument; a positional right after a boolean flag is
 * taken as that flag's value (`--spot no`) when it is a yes/no word, and refused as one otherwise (`--spot maybe`).
 * The flag's name only is ever quoted: a value may be a credential.
 */
export function readArguments(command: Command, args: string[]): ReadArguments {
  const byName = new Map(command.flags.map((flag) => [flag.name, flag]));
  const byAlias = new Map(command.flags.filter((flag) => flag.alias).map((flag) => [flag.alias!, flag]));
  const booleans = new Map<string, unknown>();
  const positionals: Array<{ value: string; after?: string }> = [];
  const unknown = (token: string) => new AnswersError(`Unknown flag ${token.split('=')[0]}: run with --help to list the flags.`);
  for (let index = 0; index < args.length; index++) {
    const token = args[index];
    if (token === '--') {
      positionals.push(...args.slice(index + 1).map((value) => ({ value })));
      break;
    }
    if (token.startsWith('--')) {
      const [name, value] = token.includes('=') ? [token.slice(2, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token.slice(2), undefined];
      const negated = value === undefined && name.startsWith('no-') && byName.get(name.slice(3))?.boolean ? byName.get(name.slice(3)) : undefined;
      const flag = negated ?? byName.get(name);
      if (!flag) throw unknown(token);
      if (!flag.boolean) {
        // Yeoman reads the value; it is the next word unless that is a flag.
        if (value === undefined && index + 1 < args.length && !/^--?[^-]/.test(args[index + 1])) index++;
      } else if (negated) booleans.set(flag.name, false);
      else if (value !== undefined) booleans.set(flag.name, value);
      else if (takesWord(args[index + 1])) booleans.set(flag.name, args[++index]);
      else {
        booleans.set(flag.name, true);
        if (index + 1 < args.length && !args[index + 1].startsWith('-')) positionals.push({ value: args[++index], after: flag.name });
      }
    } else if (token.startsWith('-') && token !== '-') {
      for (const letter of token.slice(1)) {
        const flag = byAlias.get(letter);
        if (!flag) throw unknown(`-${letter}`);
        booleans.set(flag.name, true);
      }
    } else positionals.push({ value: token });
  }
  const stray = positionals[command.arguments.length];
  if (stray?.after) throw new AnswersError(`--${stray.after} ${JSON.stringify(stray.value)} is refused: it must ${BOOLEAN_RULE}.`);
  if (stray) {
    const takes = command.arguments.length === 0 ? 'takes no argument, only flags' : `takes one argument, ${command.arguments.map(({ name }) => `<${name}>`).join(' ')}`;
    throw new AnswersError(`${JSON.stringify(stray.value)} is refused: ${commandName(command)} ${takes} (run ${commandName(command)} --help).`);
  }
  return { booleans, positionals: positionals.map(({ value }) => value) };
}

export function commandName(command: Command): string {
  return command.name === 'app' ? 'copilot-django' : 'copilot-django env';
}
