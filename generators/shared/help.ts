/**
 * `--help` of both commands, made from their flags (command-line.ts, hence the question table), wrapped to 80
 * columns. `program` is how the user started it: `copilot-django` or `yo copilot-django`.
 */
import { appCommand, envCommand, type Command, type Flag } from './command-line.js';

const WIDTH = 80;

/** `text` wrapped at word boundaries to WIDTH columns, every line indented by `indent` spaces. */
export function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((each) => `${' '.repeat(indent)}${each}`).join('\n');
}

function flagLine(flag: Flag): string {
  const long = flag.boolean ? `--${flag.name}` : `--${flag.name} <${flag.value ?? 'value'}>`;
  return `  ${flag.alias ? `-${flag.alias}, ` : ''}${long}`;
}

/** `yo --version` prints yo's own version, before any generator runs: only copilot-django has one of its own. */
function shownFlags(command: Command, program: string): Flag[] {
  return program.startsWith('yo ') ? command.flags.filter((flag) => flag.name !== 'version') : command.flags;
}

function flagBlock(flag: Flag): string {
  const sentences = [/[.?!]$/.test(flag.description) ? flag.description : `${flag.description}.`];
  if (flag.boolean && flag.rule) sentences.push(`--${flag.name} alone is yes, --no-${flag.name} is no; --${flag.name}=<value> must ${flag.rule}.`);
  else if (flag.rule) sentences.push(`Must ${flag.rule}.`);
  if (flag.defaultDescription) sentences.push(`Default: ${flag.defaultDescription}.`);
  return `${flagLine(flag)}\n${wrap(sentences.join(' '), 6)}`;
}

function section(title: string, body: string[]): string {
  return `${title}:\n${body.join('\n')}`;
}

function example(command: string, what: string): string {
  return `  ${command}\n${wrap(what, 6)}`;
}

function appHelp(program: string, envProgram: string): string {
  return [
    section('Usage', [`  ${program} [flags]`, `  ${envProgram} <name> --branch <branch>`]),
    wrap(
      `Writes what a Django project needs to run on AWS ECS Fargate with AWS Copilot: a Django image, an nginx sidecar, Copilot manifests, pipelines and a README. ` +
        `It writes into the project root: the nearest folder above the working folder holding copilot-django's .yo-rc.json, else the root of the git repository, else the working folder; the run says so when that is not the working folder. ` +
        `A re-run takes the answers stored in .yo-rc.json, updates the files and keeps your edits. ${envProgram} adds an environment (${envProgram} --help).`,
      0,
    ),
    section('Flags', [wrap('Each question is asked at a terminal unless its flag is given; with --yes, never.', 2), '', ...shownFlags(appCommand, program).map(flagBlock)]),
    section('Examples', [
      example(program, 'Asks each question at the terminal.'),
      example(`${program} --yes --app shop --domain shop.example.com`, 'Takes the defaults for everything else: environments dev (branch develop) and prod (branch main), HTTPS on shop.example.com.'),
      example(`${program} --yes --app shop --allow-http --spot=no`, 'No domain: production serves plain HTTP, which must be accepted; regular Fargate, no Spot.'),
      example(`${program} --yes --branches develop:dev,release:staging,main:prod`, 'A re-run that adds an environment staging, deployed from branch release.'),
    ]),
    exitCodes(),
  ].join('\n\n');
}

function envHelp(envProgram: string): string {
  const [name] = envCommand.arguments;
  return [
    section('Usage', [`  ${envProgram} <name> --branch <branch>`]),
    wrap(
      'Adds one environment, and the pipeline of its branch, to a project made by copilot-django; everything else comes from the answers stored in .yo-rc.json and stays as it is.',
      0,
    ),
    section('Arguments', [`  <${name.name}>\n${wrap(`${name.description} Must ${name.rule}.`, 6)}`]),
    section('Flags', shownFlags(envCommand, envProgram).map(flagBlock)),
    section('Examples', [example(`${envProgram} staging --branch release`, 'Environment staging, deployed by the pipeline of branch release.')]),
    exitCodes(),
  ].join('\n\n');
}

function exitCodes(): string {
  return section('Exit codes', [
    `  0    written, or nothing to change`,
    `  1    refused (a flag, an answer or the folder: nothing is written then), or`,
    `       failed; the message on stderr says why`,
    `  130  interrupted (Ctrl-C at a prompt)`,
  ]);
}

/** The help of `command`, as started by `program` (`copilot-django`, `yo copilot-django`). */
export function helpText(command: Command, program: 'copilot-django' | 'yo copilot-django'): string {
  const envProgram = program === 'copilot-django' ? 'copilot-django env' : 'yo copilot-django:env';
  return `${command.name === 'app' ? appHelp(program, envProgram) : envHelp(envProgram)}\n`;
}
