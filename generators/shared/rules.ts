/**
 * The validation rules every answer passes, whether it came from a flag, a prompt or `.yo-rc.json`.
 * A rule returns `undefined` when the value is fine, else the rule the value broke (a phrase that completes
 * "… must …"); answers.ts turns that into one message naming the flag, the value and the rule.
 */

/**
 * Copilot's own name rule for applications, services and environments (copilot-cli internal/pkg/cli/validate.go,
 * basicNameValidation: `^[a-z][a-z0-9\-]+$`, no `--`, no trailing hyphen). Copilot allows 255 characters; we allow
 * 32, so the names Copilot joins (`<app>-<env>-<svc>-…` for stacks, roles and pipelines) stay within AWS limits.
 */
const COPILOT_NAME = /^[a-z](?:[a-z0-9]|-(?!-))+$/;
const COPILOT_NAME_MAX = 32;

export function copilotName(value: string): string | undefined {
  if (!COPILOT_NAME.test(value) || value.endsWith('-') || value.length > COPILOT_NAME_MAX) {
    return `be a Copilot name: start with a lower-case letter, then lower-case letters, digits and single hyphens, not end with a hyphen, 2 to ${COPILOT_NAME_MAX} characters`;
  }
  return undefined;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function domainName(value: string): string | undefined {
  const rule =
    'be a DNS name registered in Route 53, like example.com: no scheme, path, port or whitespace; labels of letters, digits and inner hyphens';
  if (value.length > 253 || /[\s/:@]/.test(value)) return rule;
  const labels = value.split('.');
  if (labels.length < 2 || !labels.every((label) => DNS_LABEL.test(label))) return rule;
  if (/^\d+$/.test(labels[labels.length - 1])) return rule;
  return undefined;
}

/**
 * git check-ref-format for a branch name, minus `:` and `,`, which separate branch from environment and the pairs of
 * `--branches`. Every other character git allows is allowed: templates quote the name for each file (quoting.ts).
 */
export function gitBranchName(value: string): string | undefined {
  const broken =
    value === '' ||
    value === '@' ||
    value.startsWith('-') ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.endsWith('.') ||
    value.endsWith('.lock') ||
    value.includes('..') ||
    value.includes('//') ||
    value.includes('@{') ||
    value.split('/').some((part) => part.startsWith('.')) ||
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]/.test(value);
  if (broken) return 'be a valid git branch name (see git check-ref-format)';
  return value.includes(',') ? 'be a valid git branch name without a comma (commas separate the pairs of --branches)' : undefined;
}

/**
 * Folders other tools own: git's (hooks run on every commit), npm's, and Copilot's workspace. Compared without case:
 * on a case-insensitive file system `.GIT` is `.git`.
 */
const FOREIGN_FOLDERS: Array<{ name: string; owner: string; anywhere: boolean }> = [
  { name: '.git', owner: 'git', anywhere: true },
  { name: 'node_modules', owner: 'npm', anywhere: true },
  { name: 'copilot', owner: 'Copilot', anywhere: false },
];

/**
 * A folder inside the repository, written as a relative POSIX path of plain names (`.` for the root). The folder
 * lands in Dockerfiles, YAML, shell commands and Markdown unquoted, so its names keep to letters, digits, `_`, `-`
 * and inner dots.
 */
export function projectFolder(value: string): string | undefined {
  if (value === '.') return undefined;
  const parts = value.split('/');
  const foreign = FOREIGN_FOLDERS.find(({ name, anywhere }) => (anywhere ? parts : parts.slice(0, 1)).some((part) => part.toLowerCase() === name));
  if (foreign) {
    const where = foreign.anywhere ? `a ${foreign.name} folder` : `the repository's ${foreign.name}/ folder`;
    return `be a folder of your project, not ${where} or inside one (${foreign.owner} owns it)`;
  }
  // An empty name (a leading /, //) and `..` fail the pattern too.
  const broken = parts.some((part) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(part) || part.endsWith('.'));
  return broken
    ? 'be a folder inside the repository, as a relative path like app or apps: names of letters, digits, _, - and inner dots, separated by / (no .., no leading /)'
    : undefined;
}

const PYTHON_MODULE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

/** A dotted Python module name, as DJANGO_SETTINGS_MODULE takes it. */
export function pythonModule(value: string): string | undefined {
  return PYTHON_MODULE.test(value) ? undefined : 'be a dotted Python module name, like shop.settings.production';
}

/** gunicorn's `module:callable`. */
export function wsgiApplication(value: string): string | undefined {
  const [module, callable, ...rest] = value.split(':');
  const broken = rest.length > 0 || callable === undefined || !PYTHON_MODULE.test(module) || !/^[A-Za-z_]\w*$/.test(callable);
  return broken ? 'be a WSGI application as gunicorn takes it, module:callable, like shop.wsgi:application' : undefined;
}

/** One of a fixed list of words. */
export function oneOf(words: readonly string[]): (value: string) => string | undefined {
  return (value) => (words.includes(value) ? undefined : `be one of ${words.join(', ')}`);
}
