/**
 * The environment variables a team's settings read, and what the service manifest gives them: plain values under
 * `variables:`, SSM parameters under `secrets:`, and the names no run can decide, which the user is told. Settings
 * that read a variable nobody sets crash at import (`os.environ.get("DJANGO_ALLOWED_HOSTS").split(" ")`), or read it
 * from a `.env` file that `.dockerignore` keeps out of the image. The Python source is read as tokens, so a read
 * inside a comment or a string is none. Pure: no file is read here.
 */

export interface EnvironmentRead {
  name: string;
  /** As given to findEnvironmentReads. */
  file: string;
  /** 1-based line where the read starts; for a required name, the first read without a default. */
  line: number;
  /** No default: the settings crash, or get None, without it. */
  required: boolean;
}

interface Token {
  kind: 'name' | 'string' | 'number' | 'operator';
  text: string;
  line: number;
  /** A string literal's content; undefined for f-strings and bytes, whose content is not a plain name. */
  value?: string;
}

const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;
const NAME = /[A-Za-z_]\w*/y;
const NUMBER = /\d[\w.]*/y;
const OPERATOR = /==|!=|<=|>=|:=|->|\*\*|\/\/|[-+*/%&|^@]=|\S/y;

/** Where the string whose body starts at `from` ends; a one-line string also ends at its line's end. */
function endOfString(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith(quote, i)) return i + quote.length;
    else if (text[i] === '\n' && quote.length === 1) return i;
  }
  return text.length;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const at = (pattern: RegExp) => {
    pattern.lastIndex = i;
    return pattern.exec(text);
  };
  while (i < text.length) {
    const char = text[i];
    if (char === '#') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (/\s|\\/.test(char)) {
      if (char === '\n') line++;
      i++;
      continue;
    }
    const string = at(STRING_START);
    if (string) {
      const [start, prefix, quote] = string;
      const end = endOfString(text, i + start.length, quote);
      const source = text.slice(i, end);
      const body = text.slice(i + start.length, source.endsWith(quote) ? end - quote.length : end);
      tokens.push({ kind: 'string', text: source, line, value: /[bBfF]/.test(prefix) ? undefined : body });
      line += source.split('\n').length - 1;
      i = end;
      continue;
    }
    const name = at(NAME);
    const number = name ? undefined : at(NUMBER);
    const kind = name ? 'name' : number ? 'number' : 'operator';
    const found = (name ?? number ?? at(OPERATOR)!)[0];
    tokens.push({ kind, text: found, line });
    i += found.length;
  }
  return tokens;
}

/** A dotted name (`os.environ.get`) starting at tokens[start], and the index just after it. */
function dottedNameAt(tokens: Token[], start: number): { text: string; end: number } | undefined {
  if (tokens[start]?.kind !== 'name') return undefined;
  let text = tokens[start].text;
  let end = start + 1;
  while (tokens[end]?.text === '.' && tokens[end + 1]?.kind === 'name') {
    text += `.${tokens[end + 1].text}`;
    end += 2;
  }
  return { text, end };
}

/** Every dotted name that is not itself the tail of one (`x.get` inside `a.x.get`). */
function* dottedNames(tokens: Token[]) {
  for (let start = 0; start < tokens.length; start++) {
    if (tokens[start - 1]?.text === '.') continue;
    const name = dottedNameAt(tokens, start);
    if (name) yield { start, ...name };
  }
}

interface Argument {
  keyword?: string;
  tokens: Token[];
}

/** The arguments between the bracket at tokens[open] and its closing bracket, which is at `close`. */
function bracketed(tokens: Token[], open: number): { args: Argument[]; close: number } {
  const args: Argument[] = [];
  let current: Token[] = [];
  const finish = () => {
    const keyword = current[0]?.kind === 'name' && current[1]?.text === '=';
    if (current.length > 0) args.push(keyword ? { keyword: current[0].text, tokens: current.slice(2) } : { tokens: current });
    current = [];
  };
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const { kind, text } = tokens[i];
    if (kind === 'operator' && '([{'.includes(text) && ++depth === 1) continue;
    if (kind === 'operator' && ')]}'.includes(text) && --depth === 0) {
      finish();
      return { args, close: i };
    }
    if (depth === 1 && text === ',') finish();
    else current.push(tokens[i]);
  }
  finish();
  return { args, close: tokens.length };
}

/** The name a lone string literal holds; a computed name (`"A_" + x`, f-strings, a variable) is none. */
function literal(arg: Argument | undefined): string | undefined {
  return arg?.tokens.length === 1 ? arg.tokens[0].value : undefined;
}

/** What a name stands for in the settings: os.environ, os.getenv, decouple's config, django-environ's Env. */
type Role = 'environ' | 'getenv' | 'config' | 'configClass' | 'envClass' | 'envObject';

/** Names as their modules spell them; `import os as o` and `from os import environ` give them other spellings. */
const MODULE_NAMES: ReadonlyArray<[string, Role]> = [
  ['os.environ', 'environ'],
  ['os.getenv', 'getenv'],
  ['decouple.config', 'config'],
  ['decouple.AutoConfig', 'configClass'],
  ['decouple.Config', 'configClass'],
  ['environ.Env', 'envClass'],
];

interface Bindings {
  roles: Map<string, Role>;
  /** Per django-environ object: the names its schema gives a default (`environ.Env(DEBUG=(bool, False))`). */
  schemaDefaults: Map<string, Set<string>>;
}

function* importsIn(tokens: Token[]): Generator<{ module: string; name?: string; alias: string }> {
  for (let i = 0; i < tokens.length; i++) {
    const statement = tokens[i].text;
    if ((statement !== 'from' && statement !== 'import') || tokens[i].kind !== 'name') continue;
    let next = i + 1;
    let module = '';
    if (statement === 'from') {
      // A relative module (`from .base import env`) starts with dots.
      while (tokens[next]?.text === '.') module += tokens[next++].text;
      const dotted = dottedNameAt(tokens, next);
      if (dotted) [module, next] = [module + dotted.text, dotted.end];
      if (tokens[next]?.text !== 'import') continue;
      next += tokens[next + 1]?.text === '(' ? 2 : 1;
    }
    // `from m import a as b, c` or `import m as b, n`: one binding per comma.
    while (tokens[next]?.kind === 'name') {
      const imported = statement === 'from' ? { text: tokens[next].text, end: next + 1 } : dottedNameAt(tokens, next)!;
      const renamed = tokens[imported.end]?.text === 'as' && tokens[imported.end + 1]?.kind === 'name';
      const alias = renamed ? tokens[imported.end + 1].text : imported.text;
      yield statement === 'from' ? { module, name: imported.text, alias } : { module: imported.text, alias };
      next = imported.end + (renamed ? 2 : 0);
      if (tokens[next]?.text !== ',') break;
      next++;
    }
    i = next - 1;
  }
}

/** Imports first, across every file (`from .base import env` uses base's object), then `x = environ.Env(...)`. */
function bindingsOf(files: Token[][]): Bindings {
  const roles = new Map<string, Role>(MODULE_NAMES);
  const schemaDefaults = new Map<string, Set<string>>();
  for (const tokens of files) {
    for (const { module, name, alias } of importsIn(tokens)) {
      for (const [spelled, role] of MODULE_NAMES) {
        if (name !== undefined && spelled === `${module}.${name}`) roles.set(alias, role);
        if (name === undefined && spelled.startsWith(`${module}.`)) roles.set(`${alias}${spelled.slice(module.length)}`, role);
      }
    }
  }
  for (const tokens of files) {
    for (const { start, text, end } of dottedNames(tokens)) {
      const role = roles.get(text);
      const target = tokens[start - 2];
      if (tokens[end]?.text !== '(' || tokens[start - 1]?.text !== '=' || target?.kind !== 'name') continue;
      if (role === 'configClass') roles.set(target.text, 'config');
      if (role !== 'envClass') continue;
      roles.set(target.text, 'envObject');
      const withDefault = bracketed(tokens, end).args.filter(
        (arg) => arg.keyword && arg.tokens[0]?.text === '(' && bracketed(arg.tokens, 0).args.length === 2,
      );
      schemaDefaults.set(target.text, new Set(withDefault.map((arg) => arg.keyword!)));
    }
  }
  return { roles, schemaDefaults };
}

interface Reader {
  /** Index of the positional argument that is the default. */
  defaultAt: number;
  /** The variable read when the call names none (`env.db()` reads DATABASE_URL). */
  defaultName?: string;
  alwaysOptional?: boolean;
  /** Returns None when unset, so `get("X") or "fallback"` has a default. */
  noneWhenUnset?: boolean;
  schemaDefaults?: Set<string>;
}

/** django-environ's Env methods, from their signatures (`list(var, cast=None, default=NOTSET)`). */
const ENV_METHODS = new Map<string, Reader>([
  ...['str', 'bool', 'int', 'float', 'json', 'url', 'path', 'bytes'].map((method): [string, Reader] => [method, { defaultAt: 1 }]),
  ...['list', 'tuple', 'dict', 'get_value'].map((method): [string, Reader] => [method, { defaultAt: 2 }]),
  ['db', { defaultAt: 1, defaultName: 'DATABASE_URL' }],
  ['db_url', { defaultAt: 1, defaultName: 'DATABASE_URL' }],
  ['cache', { defaultAt: 1, defaultName: 'CACHE_URL' }],
  ['cache_url', { defaultAt: 1, defaultName: 'CACHE_URL' }],
  ['email', { defaultAt: 1, defaultName: 'EMAIL_URL' }],
  ['email_url', { defaultAt: 1, defaultName: 'EMAIL_URL' }],
  ['search_url', { defaultAt: 1, defaultName: 'SEARCH_URL' }],
]);

function readerFor(callee: string, { roles, schemaDefaults }: Bindings): Reader | undefined {
  const role = roles.get(callee);
  if (role === 'getenv') return { defaultAt: 1, noneWhenUnset: true };
  if (role === 'config') return { defaultAt: 1 };
  if (role === 'envObject') return { defaultAt: 2, schemaDefaults: schemaDefaults.get(callee) };
  const dot = callee.lastIndexOf('.');
  if (dot === -1) return undefined;
  const [object, method] = [callee.slice(0, dot), callee.slice(dot + 1)];
  if (roles.get(object) === 'environ') {
    if (method === 'get' || method === 'pop') return { defaultAt: 1, noneWhenUnset: method === 'get' };
    if (method === 'setdefault') return { defaultAt: 1, alwaysOptional: true };
  }
  const envMethod = roles.get(object) === 'envObject' ? ENV_METHODS.get(method) : undefined;
  return envMethod && { ...envMethod, schemaDefaults: schemaDefaults.get(object) };
}

/** Words before a read that make it a test of whether the variable is set. */
const CONDITION_WORDS = new Set(['if', 'elif', 'while', 'not', 'and']);

/** The settings module is chosen by whoever starts Django, not a value the settings need. */
const NOT_SETTINGS = new Set(['DJANGO_SETTINGS_MODULE']);

/** Names the file tests before reading: `"X" in os.environ` guards `os.environ["X"]` (`… if "X" in os.environ else …`). */
function guardedNames(tokens: Token[], bindings: Bindings): Set<string> {
  const guarded = new Set<string>();
  for (let i = 0; i + 2 < tokens.length; i++) {
    const value = tokens[i].kind === 'string' ? tokens[i].value : undefined;
    if (value === undefined || tokens[i + 1].text !== 'in') continue;
    const tested = dottedNameAt(tokens, i + 2);
    if (tested && bindings.roles.get(tested.text) === 'environ') guarded.add(value);
  }
  return guarded;
}

function* readsIn(tokens: Token[], bindings: Bindings): Generator<Omit<EnvironmentRead, 'file'>> {
  const guarded = guardedNames(tokens, bindings);
  for (const { start, text, end } of dottedNames(tokens)) {
    const line = tokens[start].line;
    if (tokens[end]?.text === '[' && bindings.roles.get(text) === 'environ') {
      const { args, close } = bracketed(tokens, end);
      const name = args.length === 1 ? literal(args[0]) : undefined;
      // `os.environ["X"] = ...` sets it.
      if (name && tokens[close + 1]?.text !== '=' && !NOT_SETTINGS.has(name)) yield { name, line, required: !guarded.has(name) };
      continue;
    }
    const reader = tokens[end]?.text === '(' ? readerFor(text, bindings) : undefined;
    if (!reader) continue;
    const { args, close } = bracketed(tokens, end);
    const positional = args.filter((arg) => arg.keyword === undefined);
    const named = positional[0] ?? args.find((arg) => ['var', 'key', 'option'].includes(arg.keyword ?? ''));
    const name = named ? literal(named) : reader.defaultName;
    if (!name || NOT_SETTINGS.has(name)) continue;
    const hasDefault =
      reader.alwaysOptional ||
      positional.length > reader.defaultAt ||
      args.some((arg) => arg.keyword === 'default') ||
      reader.schemaDefaults?.has(name) ||
      (reader.noneWhenUnset && tokens[close + 1]?.text === 'or') ||
      // Tested, not used: `if os.environ.get("CI"):` takes None as false.
      (reader.noneWhenUnset && CONDITION_WORDS.has(tokens[start - 1]?.text ?? ''));
    yield { name, line, required: !hasDefault };
  }
}

/** Every environment variable a team's settings read, in file order, one entry per name (required if any read is). */
export function findEnvironmentReads(files: Array<{ file: string; text: string }>): EnvironmentRead[] {
  const tokenized = files.map(({ file, text }) => ({ file, tokens: tokenize(text) }));
  const bindings = bindingsOf(tokenized.map(({ tokens }) => tokens));
  const byName = new Map<string, { read: EnvironmentRead; position: number }>();
  let position = 0;
  for (const { file, tokens } of tokenized) {
    for (const read of readsIn(tokens, bindings)) {
      const known = byName.get(read.name);
      if (!known || (read.required && !known.read.required)) {
        byName.set(read.name, { read: { name: read.name, file, line: read.line, required: read.required }, position });
      }
      position++;
    }
  }
  return [...byName.values()].sort((a, b) => a.position - b.position).map(({ read }) => read);
}

export interface EnvironmentPlanInput {
  domain: string;
  https: boolean;
  /** Names the deployment already sets (DJANGO_SECRET_KEY, DB_SECRET, …); `COPILOT_*` stands for every name starting so. */
  provided: string[];
}

export interface SettingsEnvironment {
  /** Plain values for the manifest's `variables:`. */
  variables: Array<{ name: string; value: string; why: string }>;
  /** For `secrets:`: `parameter` is the secret's name under /copilot/<app>/<env>/secrets/. */
  secrets: Array<{ name: string; parameter: string; why: string }>;
  /** Required reads no run can give a value: the user is told. */
  undecided: EnvironmentRead[];
}

type Outcome =
  | { to: 'variable'; value: string; why: string }
  | { to: 'secret'; parameter: string; why: string }
  | { to: 'undecided' }
  | { to: 'nothing' };

type Decide = (input: EnvironmentPlanInput, name: string) => Outcome;

const nothing: Decide = () => ({ to: 'nothing' });
/** The deployment's own secret key, created with `copilot secret init` before the first deploy. */
const djangoSecretKey: Decide = () => ({ to: 'secret', parameter: 'DJANGO_SECRET_KEY', why: "Django's secret key: the deployment's DJANGO_SECRET_KEY secret" });
/** "0" is false to int(), django-environ's bool, decouple's cast=bool and `== "True"` or `== "1"` tests. */
const debugOff: Decide = () => ({ to: 'variable', value: '0', why: 'DEBUG is off in the cloud' });
/** Parses as PostgreSQL; never used, since the deployment settings take DB_SECRET before DATABASE_URL. */
const DATABASE_URL_PLACEHOLDER = 'postgres://placeholder@localhost:5432/placeholder';

function databasePartPlaceholder(name: string): string {
  const part = name.toUpperCase().split('_').pop();
  if (part === 'PORT') return '5432';
  if (part === 'HOST') return 'localhost';
  if (part === 'ENGINE') return 'django.db.backends.postgresql';
  return 'placeholder';
}

const allowedHosts: Decide = ({ domain }) => ({
  to: 'variable',
  value: domain || 'localhost',
  why: "the site's host; the deployment settings add the service's host names and the task's IP",
});

/** Django's own key (SECRET_KEY, DJANGO_SECRET_KEY); a STRIPE_SECRET_KEY is a secret of its own. */
const isDjangoSecretKey = (name: string) => name === 'SECRET_KEY' || (name.includes('DJANGO') && name.endsWith('SECRET_KEY'));
const looksSecret = (name: string) =>
  /SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL/.test(name) || /(^|_)(KEY|DSN)$/.test(name);

/**
 * The first rule whose name matches decides, for a required read and for one with a default. A default needs
 * nothing, except where the cloud must not take it (DEBUG, an insecure secret key).
 */
const RULES: ReadonlyArray<{ matches: (name: string) => boolean; required: Decide; optional: Decide }> = [
  { matches: isDjangoSecretKey, required: djangoSecretKey, optional: djangoSecretKey },
  { matches: (name) => /^(\w+_)?DEBUG$/.test(name), required: debugOff, optional: debugOff },
  {
    matches: (name) => name.includes('ALLOWED_HOSTS'),
    // One host: any separator the settings split on keeps it whole. The deployment settings add the task's hosts.
    // A default too is replaced: a development default (["*"], the Docker service's name) must not reach the cloud.
    required: allowedHosts,
    optional: allowedHosts,
  },
  {
    matches: (name) => name.includes('CSRF_TRUSTED_ORIGINS'),
    required: ({ domain, https }) => ({ to: 'variable', value: https && domain ? `https://${domain}` : 'http://localhost', why: "the site's origin; the deployment settings add the service's own" }),
    optional: nothing,
  },
  {
    // The parts of a database the settings assemble themselves (DB_HOST, POSTGRES_PASSWORD, SQL_ENGINE…): stand-ins
    // that only have to parse, since the deployment settings replace DATABASES["default"] from DB_SECRET.
    matches: (name) => /(^|_)(POSTGRES|POSTGRESQL|PG|DB|DATABASE|SQL)_(ENGINE|NAME|DB|DATABASE|USER|USERNAME|PASSWORD|HOST|PORT)$/.test(name),
    required: (_, name) => ({ to: 'variable', value: databasePartPlaceholder(name), why: 'a stand-in: the database comes from DB_SECRET' }),
    optional: nothing,
  },
  {
    matches: (name) => /(^|_)(DATABASE|DB)_URL$/.test(name),
    required: () => ({ to: 'variable', value: DATABASE_URL_PLACEHOLDER, why: 'only has to parse: the database comes from DB_SECRET' }),
    optional: nothing,
  },
  { matches: looksSecret, required: (_, name) => ({ to: 'secret', parameter: name, why: 'looks secret and your settings need it' }), optional: nothing },
  { matches: () => true, required: () => ({ to: 'undecided' }), optional: nothing },
];

function isProvided(name: string, provided: string[]): boolean {
  return provided.some((given) => (given.endsWith('*') ? name.startsWith(given.slice(0, -1)) : name === given));
}

const compareNames = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What the manifest sets for each read (one per name, as findEnvironmentReads gives them), sorted by name. */
export function planSettingsEnvironment(reads: EnvironmentRead[], input: EnvironmentPlanInput): SettingsEnvironment {
  const plan: SettingsEnvironment = { variables: [], secrets: [], undecided: [] };
  for (const read of reads) {
    if (isProvided(read.name, input.provided)) continue;
    const rule = RULES.find(({ matches }) => matches(read.name.toUpperCase()))!;
    const outcome = (read.required ? rule.required : rule.optional)(input, read.name);
    if (outcome.to === 'variable') plan.variables.push({ name: read.name, value: outcome.value, why: outcome.why });
    if (outcome.to === 'secret') plan.secrets.push({ name: read.name, parameter: outcome.parameter, why: outcome.why });
    if (outcome.to === 'undecided') plan.undecided.push(read);
  }
  return { variables: plan.variables.sort(compareNames), secrets: plan.secrets.sort(compareNames), undecided: plan.undecided.sort(compareNames) };
}
