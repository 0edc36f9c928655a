#!/usr/bin/env node
/**
 * Regenerates test/data/copilot-lambdas.json: which custom-resource Lambda functions Copilot renders, with which
 * runtime, for each variant of a generated project's manifests listed in that file, and whether the runtime patches
 * the generator derives leave any blocked runtime behind.
 *
 * It runs Copilot's own code, offline, through the copilot-render checker (../shared/tools/copilot-render, built from
 * copilot-cli's source; its README says how). CI cannot build that checker, so the tests read only the JSON.
 *
 *   npm run build && node scripts/copilot-lambdas.mjs [--checker PATH/TO/check.sh]
 *
 * For each variant: generate a project with the variant's flags, apply its manifest edits, and
 *   1. render it without overrides (what Copilot renders): `rendered`;
 *   2. re-run the generator with --yes (it derives the patches from the manifests on disk) and render again:
 *      `patched` (every check's result and every runtime left that is not the generator's).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { checker as checkerPath, cli, root } from './lib/copilot-render.mjs';

const dataFile = join(root, 'test/data/copilot-lambdas.json');
const checker = checkerPath();

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
function mergeInto(target, edits) {
  for (const [key, value] of Object.entries(edits)) {
    if (isObject(value) && isObject(target[key])) mergeInto(target[key], value);
    else target[key] = value;
  }
}
function editYaml(file, edits) {
  const document = parseDocument(readFileSync(file, 'utf8'));
  const value = document.toJSON();
  mergeInto(value, edits);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** `check.sh --runtimes` lines: `stack infrastructure/dev.env.yml (...)`, `- lambda X: Runtime nodejs20.x (...)`. */
function render(project) {
  const run = spawnSync(checker, [project, '--runtimes'], { encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  const stacks = {};
  let current;
  for (const line of output.split('\n')) {
    const stack = /^stack infrastructure\/(?:(\w[\w-]*)\.env|([\w-]+)\.stack)\.yml/.exec(line);
    if (stack) {
      current = stack[1] ? `env ${stack[1]}` : `svc ${stack[2]}`;
      stacks[current] = [];
      continue;
    }
    if (/^stack /.test(line)) current = undefined;
    const lambda = /^\s+- lambda (\w+): Runtime (\S+)/.exec(line);
    if (lambda && current) stacks[current].push({ name: lambda[1], runtime: lambda[2] });
  }
  const failures = output.split('\n').filter((line) => line.startsWith('FAIL'));
  renderedBy ??= /^copilot-render: (copilot-cli [^;]*);/m.exec(output)?.[1];
  return { status: run.status, stacks, failures };
}

const data = JSON.parse(readFileSync(dataFile, 'utf8'));
const runtime = /^\s*lambdaRuntime: '([^']+)',$/m.exec(readFileSync(join(root, 'generators/shared/versions.ts'), 'utf8'))[1];
let renderedBy;
for (const variant of data.variants) {
  const project = mkdtempSync(join(tmpdir(), 'copilot-lambdas-'));
  execFileSync(process.execPath, [cli, '--yes', '--app', 'demo', '--repository', 'https://github.com/example/demo', ...variant.flags], { cwd: project, stdio: 'ignore' });
  const service = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-copilot-django'].service;
  if (variant.service) editYaml(join(project, 'copilot', service, 'manifest.yml'), variant.service);
  const environmentsDir = join(project, 'copilot/environments');
  for (const name of readdirSync(environmentsDir).filter((entry) => existsSync(join(environmentsDir, entry, 'manifest.yml')))) {
    if (variant.environments) editYaml(join(environmentsDir, name, 'manifest.yml'), variant.environments);
    if (variant.environment?.[name]) editYaml(join(environmentsDir, name, 'manifest.yml'), variant.environment[name]);
  }
  for (const overrides of [join(project, 'copilot', service, 'overrides'), join(environmentsDir, 'overrides')]) rmSync(overrides, { recursive: true, force: true });
  const raw = render(project);
  if (raw.status !== 0) throw new Error(`${variant.name}: Copilot refused the variant:\n${raw.failures.join('\n')}`);
  variant.rendered = Object.fromEntries(Object.entries(raw.stacks).map(([stack, lambdas]) => [stack, lambdas.map(({ name }) => name).sort()]));
  variant.renderedRuntimes = [...new Set(Object.values(raw.stacks).flat().map(({ runtime }) => runtime))].sort();

  const rerun = spawnSync(process.execPath, [cli, '--yes'], { cwd: project, encoding: 'utf8' });
  if (rerun.status !== 0) throw new Error(`${variant.name}: the re-run failed:\n${rerun.stdout}${rerun.stderr}`);
  const patched = render(project);
  variant.patched = {
    failures: patched.failures,
    leftBehind: Object.entries(patched.stacks).flatMap(([stack, lambdas]) => lambdas.filter((lambda) => lambda.runtime !== runtime).map((lambda) => `${stack}: ${lambda.name} ${lambda.runtime}`)),
  };
  rmSync(project, { recursive: true, force: true });
  console.log(`${variant.name}: ${JSON.stringify(variant.rendered)}; patched: ${variant.patched.failures.length} failed, ${variant.patched.leftBehind.length} left behind`);
}
data.renderedBy = renderedBy;
data.runtime = runtime;
writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
