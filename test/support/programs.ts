/**
 * The real programs the generated project is proven against (nginx, Debian's Django 4.2, gunicorn, PostgreSQL,
 * shellcheck). Where one is missing the suite still runs the rest and names what it skipped and the command that
 * installs it; under CI (`CI` set) a missing program is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const INSTALL_COMMAND = 'sudo scripts/install-system-deps.sh';

/** Debian's interpreter, which has python3-django; not a pyenv or venv python first on PATH. */
export const PYTHON = '/usr/bin/python3';

function which(program: string): string | undefined {
  if (program.startsWith('/')) return existsSync(program) ? program : undefined;
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function pythonHas(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const checks = {
  nginx: () => which('nginx') ?? which('/usr/sbin/nginx'),
  shellcheck: () => which('shellcheck'),
  django: () => (pythonHas('django') ? PYTHON : undefined),
  gunicorn: () => (pythonHas('gunicorn') ? PYTHON : undefined),
  psycopg2: () => (pythonHas('psycopg2') ? PYTHON : undefined),
  postgres: () => which('/usr/lib/postgresql/15/bin/postgres') ?? which('postgres'),
  wrk: () => which('wrk'),
  root: () => (process.getuid?.() === 0 ? 'root' : undefined),
  unshare: () => which('unshare'),
  gpg: () => which('gpg'),
  whitenoise: () => (pythonHas('whitenoise') ? PYTHON : undefined),
  decouple: () => (pythonHas('decouple') ? PYTHON : undefined),
  environ: () => (pythonHas('environ') ? PYTHON : undefined),
  // The Celery worker (--worker celery): Debian's python3-celery (with python3-redis) and redis-server.
  celery: () => (pythonHas('celery') && pythonHas('redis') ? PYTHON : undefined),
  redis: () => which('/usr/bin/redis-server') ?? which('redis-server'),
  // Uploads on S3 (--media s3): Debian's python3-django-storages and python3-boto3.
  storages: () => (pythonHas('storages') && pythonHas('boto3') ? PYTHON : undefined),
} satisfies Record<string, () => string | undefined>;

export type Program = keyof typeof checks;

const skipped = new Set<string>();

/**
 * Returns `describe` when every program is here, else `describe.skip` after saying what is missing.
 * In CI a missing program throws: the suite must not pass by skipping. `npm run test:fast` (TEST_FAST) skips the
 * suites that need root, the task simulation's, which `npm test` runs.
 */
export function describeWith(programs: Program[]): jest.Describe {
  if (process.env.TEST_FAST && programs.includes('root')) {
    if (!skipped.has('fast')) {
      skipped.add('fast');
      process.stderr.write('SKIPPED (the task simulation: npm test runs it)\n');
    }
    return describe.skip;
  }
  const missing = programs.filter((program) => !checks[program]());
  if (missing.length === 0) return describe;
  const installable = missing.filter((program) => program !== 'root');
  const hints = [
    ...(installable.length > 0 ? [`needs ${installable.join(', ')}; install with: ${INSTALL_COMMAND}`] : []),
    ...(missing.includes('root') ? ['needs root (network and mount namespaces): run the tests as root'] : []),
  ];
  const message = hints.join('; ');
  if (process.env.CI) {
    throw new Error(`CI must not skip: ${message}`);
  }
  if (!skipped.has(message)) {
    skipped.add(message);
    process.stderr.write(`SKIPPED (${message})\n`);
  }
  return describe.skip;
}

export function programPath(program: Program): string {
  const path = checks[program]();
  if (!path) throw new Error(`${program} is not installed; install with: ${INSTALL_COMMAND}`);
  return path;
}
