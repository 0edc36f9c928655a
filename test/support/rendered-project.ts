/**
 * The generated project rendered straight from the generator's plan and templates (generators/shared, no Yeoman
 * run), and what its processes need on this machine: `python` on PATH as in the image, a developer's environment or a
 * task's (service `django` in environment `dev` of app `demo`), its entrypoint with a CMD that only says it ran.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { planContext } from '../../generators/shared/plan.js';
import { renderFiles } from '../../generators/shared/render.js';
import { DEMO_ANSWERS } from './generate.js';
import { PYTHON } from './programs.js';
import { run, type RunResult } from './task/processes.js';

export type TemplateContext = ReturnType<typeof planContext>;

/** The plan for the demo answers; a test may override one planned value to prove the templates follow it. */
export const DEMO_CONTEXT: TemplateContext = planContext(DEMO_ANSWERS);

export interface RenderedProject {
  /** The Django folder (manage.py, entrypoint.sh). */
  project: string;
  /** A folder holding `python`, Debian's interpreter: put it first on PATH (`imagePath`), as the image has it. */
  bin: string;
}

/** Writes every file the generator plans for `context` into `into`. */
export async function renderProject(context: TemplateContext, into: string): Promise<RenderedProject> {
  for (const file of renderFiles(context)) {
    const target = path.join(into, file.destination);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.contents, { mode: file.executable ? 0o755 : 0o644 });
  }
  const bin = path.join(into, 'bin');
  await mkdir(bin);
  await symlink(PYTHON, path.join(bin, 'python'));
  return { project: path.join(into, context.djangoDir), bin };
}

/** PATH with `bin` (see RenderedProject) first. */
export function imagePath(bin: string): string {
  return `${bin}:/usr/bin:/bin`;
}

export const SECRET_KEY = 'q8Vt3mZk1Lx7Rw4Np0Bc6Hs2Jd9Fg5Ya8Ue3Oi7Kl1Mn4Pq6Zr'; // 50 varied characters: security.W009
export const LB_DNS = 'demo-Publi-1A2B3C4D5E6F-123456789.us-east-1.elb.amazonaws.com';
/** Copilot's Aurora secret as a task of the demo app receives it. */
export const DB_SECRET = {
  host: 'demo-dev-db.cluster-abc.us-east-1.rds.amazonaws.com',
  port: 5432,
  dbname: 'demo',
  username: 'postgres',
  password: 'not-a-real-password',
  engine: 'postgres',
  dbClusterIdentifier: 'demo-dev-db',
};

/** A developer's machine. Nothing from the shell running the tests leaks in: only what a test sets. */
export function localEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** What a task of service `django` in environment `dev` of app `demo` sees, the image's settings module too; `domain` '' for none. */
export function cloudEnv(domain: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return localEnv({
    DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
    COPILOT_APPLICATION_NAME: 'demo',
    COPILOT_ENVIRONMENT_NAME: 'dev',
    COPILOT_SERVICE_NAME: 'django',
    COPILOT_LB_DNS: LB_DNS,
    DJANGO_DOMAIN: domain,
    DJANGO_HTTPS: domain ? 'true' : 'false',
    DJANGO_SECRET_KEY: SECRET_KEY,
    DB_SECRET: JSON.stringify(DB_SECRET),
    WEB_CONCURRENCY: '2',
    GUNICORN_THREADS: '4',
    ...extra,
  });
}

/** A CMD that only says it ran: the last line of a start that reached the server. */
export const EXEC_OK = ['python3', '-c', 'print("exec ok")'];

/** Runs `script` (the project's entrypoint.sh) to its end in `cwd` with EXEC_OK as the CMD. */
export function runEntrypoint(cwd: string, env: NodeJS.ProcessEnv, script = 'entrypoint.sh'): Promise<RunResult> {
  return run('/bin/sh', [script, ...EXEC_OK], { cwd, env });
}

/** The last stdout line as JSON, as the tests' Python probes print it (the settings log to stdout too). */
export function lastJsonLine<T>(result: RunResult): T {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`no JSON from Python (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
