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

/** git check-ref-format for a branch name, minus `:` which separates branch from environment here. */
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
  return broken ? 'be a valid git branch name (see git check-ref-format)' : undefined;
}

/** A folder inside the repository, written as a relative POSIX path. */
export function projectFolder(value: string): string | undefined {
  const broken = value === '' || value.startsWith('/') || value.split('/').some((part) => part === '..' || part === '') || /[\s\\:*?"<>|]/.test(value);
  return broken ? 'be a folder inside the repository, as a relative path like app or apps (no .., no leading /)' : undefined;
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
