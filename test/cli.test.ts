/**
 * The command as a user meets it, through the shipped command (package.json's `bin`, built by `npm run build`) and,
 * where `yo copilot-django` differs, through Yeoman's environment as `yo` drives it: flags and their values, the
 * folder it writes into, `--help` and `--version`, what it prints and with which exit code, the `env` subcommand's
 * own flags, and the question that chooses among several Django projects.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { createEnv } from 'yeoman-environment';
import helpers from 'yeoman-test';
import CopilotDjangoGenerator from '../generators/app/generator.js';
import { BOOLEAN_RULE } from '../generators/shared/answers.js';
import { flagOf, questions } from '../generators/shared/questions.js';
import { listFiles, ROOT, runApp, runCli, temporaryFolder } from './support/generate.js';
import { describeWith } from './support/programs.js';
import { startproject } from './support/existing-projects.js';
import { runInTerminal } from './support/terminal.js';

/** A first run needs these to run without a terminal; each test adds what it is about. */
const BASE = ['--yes', '--app', 'demo', '--allow-http'];

function stored(folder: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(folder, '.yo-rc.json'), 'utf8'))['generator-copilot-django'];
}

const ESCAPE = '\u001b[';

describe('boolean flags take yes/no, true/false or 1/0', () => {
  test.each([
    [['--spot=no'], false],
    [['--spot=0'], false],
    [['--spot=false'], false],
    [['--spot', 'no'], false],
    [['--no-spot'], false],
    [['--spot=yes'], true],
    [['--spot=1'], true],
    [['--spot', 'TRUE'], true],
    [['--spot'], true],
  ])('%j stores spot %s', async (flags, spot) => {
    const cwd = temporaryFolder();
    const result = await runCli([...BASE, ...flags], cwd);
    expect(result.stderr).not.toContain('copilot-django:');
    expect(result.code).toBe(0);
    expect(stored(cwd).spot).toBe(spot);
  });

  test.each([
    [['--spot=maybe'], '--spot "maybe"'],
    [['--spot', 'maybe'], '--spot "maybe"'],
    [['--allow-http=2'], '--allow-http "2"'],
    [['--force=often'], '--force "often"'],
    [['--remove-environments=all'], '--remove-environments "all"'],
  ])('%j is refused with one message before anything is written', async (flags, named) => {
    const cwd = temporaryFolder();
    const result = await runCli([...BASE, ...flags], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`copilot-django: ${named} is refused: it must ${BOOLEAN_RULE}.\n`);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('--yes takes a value too: --yes=no asks, and without a terminal says which flags are missing', async () => {
    const cwd = temporaryFolder();
    const result = await runCli(['--yes=no', '--app', 'demo'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^copilot-django: No terminal to ask on, and no answer for --service/);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('flag values as yo passes them (parsed by yo, not by Yeoman) follow the same rule', async () => {
    const off = temporaryFolder();
    await runApp({ yes: true, 'allow-http': 'yes', spot: 'no' }, { cwd: off });
    expect(stored(off)).toMatchObject({ spot: false, allowHttp: true });
    await expect(runApp({ yes: true, 'allow-http': true, spot: 'maybe' })).rejects.toThrow(`--spot "maybe" is refused: it must ${BOOLEAN_RULE}.`);
  });

  test('an unknown flag yo hands over as an option is refused, nothing written', async () => {
    const cwd = temporaryFolder();
    // yo passes `--spto` as {spto: true}, `--remove-env` as both remove-env and removeEnv, its own --no-insight as insight.
    await expect(runApp({ yes: true, app: 'demo', 'allow-http': true, insight: false, spto: true }, { cwd })).rejects.toThrow('Unknown flag --spto: run with --help to list the flags.');
    await expect(runApp({ yes: true, app: 'demo', 'allow-http': true, 'remove-env': true, removeEnv: true }, { cwd })).rejects.toThrow('Unknown flag --remove-env: run');
    expect(listFiles(cwd)).toEqual([]);
    await runApp({ yes: true, app: 'demo', allowHttp: true, 'allow-http': true, insight: false }, { cwd });
    expect(stored(cwd)).toMatchObject({ app: 'demo', allowHttp: true });
  });

  test('a stray argument is refused, nothing written', async () => {
    const cwd = temporaryFolder();
    const result = await runCli(['foo', ...BASE], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('copilot-django: "foo" is refused: copilot-django takes no argument, only flags (run copilot-django --help).\n');
    expect(listFiles(cwd)).toEqual([]);
  });
});

describe('the project root', () => {
  test('run from a subfolder of a generated project, it updates that project and says where it writes', async () => {
    const project = temporaryFolder();
    expect((await runCli(BASE, project)).code).toBe(0);
    const before = listFiles(project);

    const result = await runCli(['--yes', '--spot'], join(project, 'app'));

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Writing into ${realpathSync(project)}, the nearest folder above holding copilot-django's .yo-rc.json, not into app/`);
    expect(listFiles(project)).toEqual(before);
    expect(stored(project).spot).toBe(true);
    // --cwd stays explicit: the folder given, even inside a project.
    const explicit = await runCli([...BASE, '--cwd', '.'], join(project, 'app'));
    expect(explicit.code).toBe(0);
    expect(existsSync(join(project, 'app', 'copilot', '.workspace'))).toBe(true);
  });

  test('a first run from a subfolder of a git repository writes at the repository root', async () => {
    const repository = temporaryFolder();
    execFileSync('git', ['init', '-q', repository]);
    mkdirSync(join(repository, 'docs'));

    const result = await runCli(BASE, join(repository, 'docs'));

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Writing into ${realpathSync(repository)}, the root of the git repository (a first run), not into docs/`);
    expect(existsSync(join(repository, 'copilot', '.workspace'))).toBe(true);
    expect(listFiles(join(repository, 'docs'))).toEqual([]);
  });

  test('yo copilot-django finds the same root (the generator decides, not the command)', async () => {
    const project = temporaryFolder();
    await runApp({ yes: true, app: 'demo', 'allow-http': true }, { cwd: project });
    await runApp({ yes: true, spot: true }, { cwd: join(project, 'app') });
    expect(stored(project).spot).toBe(true);
    expect(existsSync(join(project, 'app', '.yo-rc.json'))).toBe(false);
  });
});

describe('--help and --version', () => {
  test('--help: usage of both commands, each flag with its rule and default, examples, exit codes, 80 columns', async () => {
    const result = await runCli(['--help'], temporaryFolder());
    expect(result.code).toBe(0);
    const help = result.stdout;
    expect(help).toMatch(/^Usage:\n {2}copilot-django \[flags\]\n {2}copilot-django env <name> --branch <branch>\n/);
    expect(help).not.toMatch(/yo copilot-django:app|--skip-install|--skip-cache|--force-install|--ask-answered/);
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const flat = help.replace(/\s+/g, ' ');
    for (const question of questions) {
      const rule = question.type === 'boolean' ? BOOLEAN_RULE : question.ruleDescription!;
      expect(flat).toContain(`--${flagOf(question)}`);
      expect(flat).toContain(`must ${rule}.`.replace(/\s+/g, ' ').slice(5));
      expect(flat).toContain(`Default: ${question.defaultDescription}.`);
    }
    expect(help).toMatch(/\nExamples:\n/);
    expect(help).toMatch(/\nExit codes:\n {2}0 .*\n {2}1 .*\n[\s\S]* {2}130 /);
  });

  test('--version prints the version of package.json', async () => {
    const result = await runCli(['--version'], temporaryFolder());
    expect(result).toEqual({ code: 0, stdout: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`, stderr: '' });
  });

  test('yo copilot-django --help prints the same help, with yo in the usage', async () => {
    const cli = (await runCli(['--help'], temporaryFolder())).stdout;
    // What yo does with `yo copilot-django --help`: run the namespace with the help option, print generator.help().
    const env = createEnv({ cwd: temporaryFolder() });
    env.register(join(ROOT, 'generators', 'app', 'index.js'), { namespace: 'copilot-django:app' });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await env.run(['copilot-django:app'], { help: true });
      const printed = String(log.mock.calls[0][0]);
      expect(printed).toMatch(/^Usage:\n {2}yo copilot-django \[flags\]\n {2}yo copilot-django:env <name> --branch <branch>\n/);
      // The same text (wrapped around longer names), less --version: `yo --version` prints yo's.
      const words = (text: string) => text.split(/\s+/).join(' ').replace(/yo copilot-django:env/g, 'copilot-django env').replace(/yo copilot-django/g, 'copilot-django');
      expect(words(printed)).toBe(words(cli).replace(' --version Print the version of copilot-django.', ''));
    } finally {
      log.mockRestore();
    }
  });
});

describe('what a run prints', () => {
  test('a refusal is one line, copilot-django: <message>, without colour when stderr is not a terminal', async () => {
    const cwd = temporaryFolder();
    const result = await runInTerminal({ args: ['--yes', '--app', 'Demo', '--allow-http'], cwd, tty: [] });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([expect.stringMatching(/^copilot-django: --app "Demo" is refused: it must be a Copilot name/), '']);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('a clean run prints the files it created, then the next steps: no .yo-rc.json, no package manager, no colour on a piped stderr', async () => {
    const cwd = temporaryFolder();
    // stdout on a terminal, stderr (where the run writes) piped to a file, as in `copilot-django --yes 2>log`.
    const result = await runInTerminal({ args: [...BASE, '--domain', 'example.com'], cwd, tty: ['stdout'] });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(ESCAPE);
    const lines = result.stderr.split('\n');
    const steps = lines.findIndex((line) => line.startsWith('Written. Next'));
    expect(steps).toBeGreaterThan(0);
    const created = lines.slice(0, steps).filter((line) => /^ +create /.test(line));
    expect(created.map((line) => line.trim().replace(/^create /, '')).sort()).toEqual(listFiles(cwd).filter((file) => file !== '.yo-rc.json'));
    expect(result.stderr).not.toMatch(/\.yo-rc\.json\n|package\.json|package manager|An error occured/);
  });

  test('NO_COLOR: no colour even on a terminal', async () => {
    const result = await runInTerminal({ args: BASE, cwd: temporaryFolder(), tty: ['stdout', 'stderr'], env: { NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.terminal).toContain('create copilot/.workspace');
    expect(result.terminal).not.toContain(ESCAPE);
  });

  test('Ctrl-C at a prompt exits 130, with no error message', async () => {
    const result = await runInTerminal({ args: [], cwd: temporaryFolder(), tty: ['stdin', 'stdout', 'stderr'], type: { after: 'Copilot application name', keys: '\u0003' } });
    expect(result.code).toBe(130);
    expect(result.terminal).not.toMatch(/copilot-django:|error/i);
  });
});

describe('copilot-django env takes its own flags', () => {
  let project: string;
  beforeAll(async () => {
    project = temporaryFolder();
    expect((await runCli(['--yes', '--app', 'demo', '--branches', 'develop:dev'], project)).code).toBe(0);
  });

  test('a flag of the app command is refused, not ignored', async () => {
    for (const flag of ['--spot', '--domain=example.com', '--app=other']) {
      const result = await runCli(['env', 'staging', '--branch', 'release', flag], project);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`copilot-django: Unknown flag ${flag.split('=')[0]}: run with --help to list the flags.\n`);
    }
    expect(stored(project).branches).toBe('develop:dev');
  });

  test('its help lists exactly the flags it takes', async () => {
    const help = (await runCli(['env', '--help'], project)).stdout;
    expect(help).toMatch(/^Usage:\n {2}copilot-django env <name> --branch <branch>\n/);
    expect([...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1])).toEqual(['--branch', '--yes', '--force', '--cwd', '--help', '--version']);
  });

  test('its refusals name its own arguments and flags, never --branches', async () => {
    const cases: Array<[string[], string]> = [
      [['env'], '<name> is missing'],
      [['env', 'staging', '--branch', 'develop'], '--branch "develop" is refused: it must be a branch no environment deploys from yet, and develop deploys dev.'],
      [['env', 'prod', '--branch', 'main'], '<name> "prod" is refused: it is named like a production environment, and the project has no domain'],
      [['env', 'staging', '--branch', 'release', 'extra'], '"extra" is refused: copilot-django env takes one argument, <name>'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, project);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`copilot-django: ${message}`);
      expect(result.stderr).not.toMatch('--branches');
      expect(result.stderr).not.toContain('\u001b');
    }
    expect(stored(project).branches).toBe('develop:dev');
  });
});

describeWith(['django'])('the --django-dir question', () => {
  test('several folders hold a manage.py: the question is a list of them, not a text field', async () => {
    const root = temporaryFolder();
    for (const folder of ['web', 'worker']) startproject('config', join(root, folder));
    const asked: Array<{ name: string; type: string; choices?: Array<{ value: string }> }> = [];
    // yeoman-test's prompt hands each question to the callback: the one asked is read from there.
    await helpers
      .run(CopilotDjangoGenerator, { namespace: 'copilot-django:app', resolved: join(ROOT, 'generators', 'app', 'generator.ts') })
      .cd(root)
      .withOptions({ force: false, app: 'demo', service: 'django', domain: 'example.com', branches: 'develop:dev,main:prod', spot: false, repository: '' } as Record<string, unknown>)
      .withAnswers({ djangoDir: 'web' }, { callback: (answer, { question }) => (asked.push(question as (typeof asked)[number]), answer) });
    const question = asked.find(({ name }) => name === 'djangoDir');
    expect(question?.type).toBe('select');
    expect(question?.choices?.map(({ value }) => value)).toEqual(['web', 'worker']);
    expect(stored(root).djangoDir).toBe('web');
  });
});
