/**
 * Every rule refuses a bad value with one message naming the flag, the value and the rule, and nothing is written:
 * through yeoman-test (flags as options, answers stored in .yo-rc.json) and through the built command.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, runApp, runCli, temporaryFolder, DEMO_FLAGS } from './support/generate.js';

const refused: Array<[flag: string, value: string, rule: RegExp]> = [
  ['app', 'Demo', /lower-case letter/],
  ['app', '1demo', /start with a lower-case letter/],
  ['app', 'de--mo', /single hyphens/],
  ['app', 'demo-', /not end with a hyphen/],
  ['app', 'a'.repeat(33), /2 to 32 characters/],
  ['app', 'a', /2 to 32 characters/],
  ['app', '', /Copilot name/],
  ['service', 'Web_App', /Copilot name/],
  ['domain', 'https://example.com', /no scheme/],
  ['domain', 'example.com/app', /no scheme, path/],
  ['domain', 'exa mple.com', /whitespace/],
  ['domain', 'localhost', /DNS name/],
  ['domain', '-bad.example.com', /DNS name/],
  ['domain', 'example.com:443', /port/],
  ['branches', 'develop', /branch:environment pairs/],
  ['branches', 'develop:dev:x', /branch:environment pairs/],
  ['branches', 'develop:Dev', /valid environment in "develop:Dev"/],
  ['branches', 'feat..x:dev', /valid branch in "feat..x:dev"/],
  ['branches', 'topic.lock:dev', /git branch name/],
  ['branches', 'develop:dev,develop:prod', /name each branch once/],
  ['branches', 'develop:dev,main:dev', /each environment its own branch/],
  ['branches', 'feature/x:dev,feature-x:prod', /distinct pipeline names/],
  ['branches', '', /branch:environment pairs/],
  ['repository', 'https://gitlab.com/example/demo', /GitHub, Bitbucket or CodeCommit/],
  ['repository', 'github.com/example/demo', /GitHub, Bitbucket or CodeCommit/],
  ['repository', 'https://github.com/example', /GitHub, Bitbucket or CodeCommit/],
];

describe('a refused flag writes nothing', () => {
  test.each(refused)('--%s %j is refused', async (flag, value, rule) => {
    const cwd = temporaryFolder();
    const run = runApp({ ...DEMO_FLAGS, yes: true, [flag]: value }, { cwd });
    await expect(run).rejects.toThrow(`--${flag} ${JSON.stringify(value)} is refused: it must`);
    await expect(run).rejects.toThrow(rule);
    expect(listFiles(cwd)).toEqual([]);
  });
});

describe('accepted values are normalised', () => {
  test('an SSH GitHub remote becomes the HTTPS URL Copilot expects', async () => {
    const result = await runApp({ ...DEMO_FLAGS, yes: true, repository: 'git@github.com:Example/demo.git' });
    result.assertFileContent('copilot/pipelines/demo-main/manifest.yml', /repository: "https:\/\/github\.com\/Example\/demo"\n/);
  });

  test('a CodeCommit remote of git-remote-codecommit needs no connection', async () => {
    const result = await runApp({ ...DEMO_FLAGS, yes: true, repository: 'codecommit::eu-west-1://demo' });
    result.assertFileContent('copilot/pipelines/demo-main/manifest.yml', /provider: CodeCommit/);
    result.assertFileContent(
      'copilot/pipelines/demo-main/manifest.yml',
      /repository: "https:\/\/git-codecommit\.eu-west-1\.amazonaws\.com\/v1\/repos\/demo/,
    );
    result.assertNoFileContent('copilot/pipelines/demo-main/manifest.yml', /connection_name/);
  });

  test('a domain is lower-cased and loses its trailing dot', async () => {
    const result = await runApp({ ...DEMO_FLAGS, yes: true, domain: 'Example.COM.' });
    result.assertFileContent('copilot/django/manifest.yml', /DJANGO_DOMAIN: example\.com\n/);
  });

  test('the app name defaults to the folder name made into a Copilot name', async () => {
    const cwd = join(temporaryFolder(), 'My_Shop 2');
    mkdirSync(cwd);
    const result = await runApp({ yes: true, 'allow-http': true }, { cwd });
    result.assertFileContent('copilot/.workspace', /^application: my-shop-2\n/);
  });
});

describe('stored answers are checked like flags', () => {
  test('a hand-edited .yo-rc.json with a wrong value is refused with a clear message', async () => {
    const cwd = temporaryFolder();
    // A yes/no answer takes the words its flag takes ("yes" is one): "maybe" is none of them.
    const stored = { 'generator-copilot-django': { app: 'demo', spot: 'maybe' } };
    writeFileSync(join(cwd, '.yo-rc.json'), JSON.stringify(stored));
    await expect(runApp({ yes: true, 'allow-http': true }, { cwd })).rejects.toThrow('--spot "maybe" (stored in .yo-rc.json) is refused: it must be yes/no, true/false or 1/0.');
    expect(listFiles(cwd)).toEqual(['.yo-rc.json']);
  });
});

describe('the built command', () => {
  test('refuses a bad value: exit 1, one message naming flag, value and rule, nothing written', async () => {
    const cwd = temporaryFolder();
    const result = await runCli(['--yes', '--domain', 'https://example.com/'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--domain "https:\/\/example\.com\/" is refused: it must be a DNS name/);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('with stdin closed and questions unanswered, exits non-zero naming the missing flags', async () => {
    const cwd = temporaryFolder();
    const result = await runCli(['--app', 'demo'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no answer for --service, --domain, --branches, --spot, --repository/);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('refuses a mistyped flag instead of ignoring it', async () => {
    const cwd = temporaryFolder();
    const result = await runCli(['--yes', '--domian', 'example.com'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unknown flag --domian/);
    expect(listFiles(cwd)).toEqual([]);
  });

  test('--help lists every flag with its default', async () => {
    const result = await runCli(['--help'], temporaryFolder());
    expect(result.code).toBe(0);
    for (const [flag, fallback] of [
      ['--app', "the folder's name"],
      ['--service', 'django'],
      ['--domain', 'none'],
      ['--branches', 'develop:dev,main:prod'],
      ['--spot', 'no'],
      ['--repository', 'git remote get-url origin'],
      ['--yes', ''],
    ]) {
      // A flag's block: its line, then the indented lines describing it (wrapped to 80 columns).
      const lines = result.stdout.split('\n');
      const start = lines.findIndex((candidate) => new RegExp(`^ {2}(-\\w, )?${flag}(\\s|$)`).test(candidate));
      expect(start).toBeGreaterThanOrEqual(0);
      const end = lines.findIndex((candidate, index) => index > start && !candidate.startsWith('      '));
      const block = lines.slice(start, end).join(' ').replace(/\s+/g, ' ');
      expect(block).toContain(fallback);
    }
  });
});
