#!/usr/bin/env node
/**
 * `copilot-django`: the generator without `yo`. Same flags as `yo copilot-django`; runs as root (yo 7 drops to
 * uid 1000) and needs no generator lookup. `copilot-django env <name> --branch <branch>` runs the env subgenerator.
 * Extra: `--cwd <folder>` writes into that folder (created when missing).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnv } from 'yeoman-environment';
import CopilotDjangoGenerator from './app/generator.js';
import EnvironmentGenerator from './env/generator.js';

const NAMESPACE = 'copilot-django';
const here = dirname(fileURLToPath(import.meta.url));
/**
 * Imported, not looked up: the bundle (scripts/build.mjs) holds them. `resolved` is the bundled generator beside this
 * file, from which Yeoman finds the package's name, the key of the answers in .yo-rc.json.
 */
const generators = { app: CopilotDjangoGenerator, env: EnvironmentGenerator };
const subgenerators = Object.keys(generators);

function takeCwd(args: string[]): { cwd: string; rest: string[] } {
  const rest = [...args];
  let cwd = process.cwd();
  const index = rest.findIndex((argument) => argument === '--cwd' || argument.startsWith('--cwd='));
  if (index !== -1) {
    const [flag] = rest.splice(index, 1);
    const value = flag.includes('=') ? flag.slice('--cwd='.length) : rest.splice(index, 1)[0];
    if (!value) throw new Error('--cwd needs a folder');
    cwd = resolve(value);
    mkdirSync(cwd, { recursive: true });
  }
  return { cwd, rest };
}

async function main(): Promise<void> {
  const { cwd, rest } = takeCwd(process.argv.slice(2));
  const subgenerator = subgenerators.includes(rest[0] ?? '') ? rest.shift()! : 'app';
  const env = createEnv({ cwd });
  for (const [name, generator] of Object.entries(generators)) {
    env.register(generator, { namespace: `${NAMESPACE}:${name}`, resolved: join(here, name, 'generator.js') });
  }
  const namespace = `${NAMESPACE}:${subgenerator}`;
  if (rest.includes('--help') || rest.includes('-h')) {
    const generator = (await env.create(namespace, { generatorArgs: rest, generatorOptions: { help: true } })) as unknown as { help(): string };
    process.stdout.write(`${generator.help()}\n`);
    return;
  }
  await env.run([namespace, ...rest], { cwd });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`copilot-django: ${message}\n`);
  if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
