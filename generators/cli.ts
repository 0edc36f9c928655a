#!/usr/bin/env node
/**
 * `copilot-django`: the generator without `yo`. Same flags as `yo copilot-django` (command-line.ts); runs as root (yo 7
 * drops to uid 1000) and needs no generator lookup. `copilot-django env <name> --branch <branch>` runs the env
 * subgenerator. It prints the help itself, and reports an error as one line per message, `copilot-django: <message>`
 * (the stack with DEBUG set); exit codes: 0 done, 1 refused or failed, 130 interrupted at a prompt (Ctrl-C).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appCommand, envCommand } from './shared/command-line.js';
import { helpText } from './shared/help.js';
import { packageVersion } from './shared/paths.js';

const NAMESPACE = 'copilot-django';
const here = dirname(fileURLToPath(import.meta.url));

/**
 * Colour only on a terminal, never with NO_COLOR (https://no-color.org). The run writes to stderr, while chalk looks
 * at stdout and log-symbols at neither: FORCE_COLOR=0 tells them all, before they load.
 */
function chooseColour(): void {
  if ((process.env.NO_COLOR ?? '') !== '' || (!process.stderr.isTTY && process.env.FORCE_COLOR === undefined)) process.env.FORCE_COLOR = '0';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const command = args[0] === envCommand.name ? envCommand : appCommand;
  const rest = command === envCommand ? args.slice(1) : args;
  const flags = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : undefined);
  if (flags.includes('--version')) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(helpText(command, 'copilot-django'));
    return;
  }
  chooseColour();
  // Imported, not looked up: the bundle (scripts/build.mjs) holds them. `resolved` is the bundled generator beside
  // this file, from which Yeoman finds the package's name, the key of the answers in .yo-rc.json.
  const [{ createEnv }, { default: CopilotDjangoGenerator }, { default: EnvironmentGenerator }] = await Promise.all([
    import('yeoman-environment'),
    import('./app/generator.js'),
    import('./env/generator.js'),
  ]);
  const env = createEnv();
  for (const [name, generator] of Object.entries({ app: CopilotDjangoGenerator, env: EnvironmentGenerator })) {
    env.register(generator, { namespace: `${NAMESPACE}:${name}`, resolved: join(here, name, 'generator.js') });
  }
  await env.run([`${NAMESPACE}:${command.name}`, ...rest]);
}

/** Ctrl-C at a prompt: inquirer rejects the prompt with ExitPromptError (the terminal is in raw mode, no signal). */
function interrupted(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || interrupted(error.cause));
}

main().catch((error: unknown) => {
  if (interrupted(error)) {
    process.stderr.write('\n');
    process.exitCode = 130;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  for (const line of message.split('\n')) process.stderr.write(`copilot-django: ${line}\n`);
  if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
