/**
 * Runs the generator the way users do: through yeoman-test (flags as options, prompts answered) or through the
 * package's own command as it ships (package.json's `bin`: the bundle `npm run build` makes), and reads what it wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import helpers, { type RunResult } from 'yeoman-test';
import CopilotDjangoGenerator from '../../generators/app/generator.js';
import EnvironmentGenerator from '../../generators/env/generator.js';
import type { Answers } from '../../generators/shared/questions.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['copilot-django']);
const GENERATOR_PATH = join(ROOT, 'generators', 'app', 'generator.ts');

export const DEMO_FLAGS = {
  app: 'demo',
  domain: 'example.com',
  branches: 'develop:dev,main:prod',
  spot: true,
  repository: 'https://github.com/example/demo',
};

/**
 * The answers DEMO_FLAGS give a new project in `app/`, validated, on one branch: what tests that render templates
 * without running the generator hand to planContext.
 */
export const DEMO_ANSWERS: Answers = { ...DEMO_FLAGS, service: 'django', branches: 'develop:dev', djangoDir: 'app', settings: '', wsgi: '', allowHttp: false, media: 'none', worker: 'none', jobs: false, target: 'copilot' };

export function temporaryFolder(prefix = 'copilot-django-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the app generator in `cwd` (a new temporary folder unless given). */
export async function runApp(
  options: Record<string, unknown>,
  { answers, cwd }: { answers?: Record<string, unknown>; cwd?: string } = {},
): Promise<RunResult> {
  let context = helpers.run(CopilotDjangoGenerator, { namespace: 'copilot-django:app', resolved: GENERATOR_PATH });
  context = cwd ? context.cd(cwd) : context.inTmpDir();
  // yeoman-test runs with --force by default; users do not.
  return context.withOptions({ force: false, ...options } as Record<string, unknown>).withAnswers(answers ?? {});
}

/** Runs `copilot-django:env <name> --branch <branch>` in `cwd`. */
export async function runEnv(name: string, options: Record<string, unknown>, cwd: string): Promise<RunResult> {
  const path = join(ROOT, 'generators', 'env', 'generator.ts');
  return helpers.run(EnvironmentGenerator, { namespace: 'copilot-django:env', resolved: path }).cd(cwd).withArguments([name]).withOptions({ force: false, ...options } as Record<string, unknown>);
}

/** Every file under `folder` with its contents: a before/after picture of a run. */
export function snapshot(folder: string): Record<string, string> {
  return Object.fromEntries(listFiles(folder).map((file) => [file, readFileSync(join(folder, file), 'utf8')]));
}

/** Generates a project with `--yes` and the given flags into a new folder; returns the folder. */
export async function generateProject(options: Record<string, unknown> = DEMO_FLAGS): Promise<string> {
  // A folder of our own: yeoman-test removes its temporary folders when the next run starts.
  const cwd = temporaryFolder();
  await runApp({ yes: true, ...options }, { cwd });
  return cwd;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The shipped command, as a user runs it; stdin is closed. */
export async function runCli(args: string[], cwd: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Every file under `folder`, as relative paths, sorted. */
export function listFiles(folder: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(folder, path));
    }
  };
  walk(folder);
  return files.sort();
}

export function readText(folder: string, path: string): string {
  return readFileSync(join(folder, path), 'utf8');
}

 
export function readYaml(folder: string, path: string): any {
  return parse(readText(folder, path));
}
