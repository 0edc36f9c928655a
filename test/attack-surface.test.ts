/**
 * The generator against hostile or careless input: a token in the repository URL, symbolic links in the target
 * repository, a Django folder inside another tool's folder, and branch names with every character git allows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { withoutCredentials } from '../generators/shared/repository.js';
import { linksLeavingRoot } from '../generators/shared/symlinks.js';
import { branchSlug } from '../generators/shared/branches.js';
import { checkManifest } from './support/copilot-schema.js';
import { readText, runApp, runCli, temporaryFolder, DEMO_FLAGS } from './support/generate.js';

const TOKEN = 'ghp_0123456789abcdefTOKEN';

/** Every entry under `folder` (but git's own .git) without following links: files with their text, links with their target. */
function tree(folder: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      if (current === folder && name === '.git') continue;
      const path = join(current, name);
      const key = relative(folder, path);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) entries[key] = `-> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) walk(path);
      else entries[key] = readFileSync(path, 'utf8');
    }
  };
  walk(folder);
  return entries;
}

/** Every file under `folder` (outside .git) whose text holds `text`. */
function filesHolding(folder: string, text: string): string[] {
  return Object.entries(tree(folder))
    .filter(([, contents]) => contents.includes(text))
    .map(([path]) => path);
}

function gitRepository(origin?: string): string {
  const folder = temporaryFolder();
  execFileSync('git', ['init', '-q', folder]);
  if (origin) execFileSync('git', ['-C', folder, 'remote', 'add', 'origin', origin]);
  return folder;
}

const storedRepository = (folder: string) => JSON.parse(readText(folder, '.yo-rc.json'))['generator-copilot-django'].repository;

describe('a token in the repository URL is dropped, never stored or printed, and the run says so', () => {
  test.each([
    ['https://x-access-token:TOKEN@github.com/example/demo', 'https://github.com/example/demo', true],
    ['https://TOKEN@github.com/example/demo.git', 'https://github.com/example/demo.git', true],
    ['https://user:TOKEN@bitbucket.org/team/demo', 'https://bitbucket.org/team/demo', true],
    ['https://user:pa/ss@TOKEN@github.com/example/demo', 'https://github.com/example/demo', true],
    ['https://user:p@TOKEN@github.com/example/demo', 'https://github.com/example/demo', true],
    ['http://TOKEN@github.com/example/demo', 'http://github.com/example/demo', true],
    ['ssh://git:TOKEN@github.com/example/demo', 'ssh://git@github.com/example/demo', true],
    ['ssh://git@github.com/example/demo', 'ssh://git@github.com/example/demo', false],
    ['git@github.com:example/demo.git', 'git@github.com:example/demo.git', false],
    ['codecommit::eu-west-1://profile@demo', 'codecommit::eu-west-1://profile@demo', false],
    ['https://github.com/example/demo', 'https://github.com/example/demo', false],
  ])('withoutCredentials(%j) keeps %j', (url, kept, dropped) => {
    expect(withoutCredentials(url)).toEqual({ url: kept, dropped });
  });

  test('--repository with x-access-token: the cleaned URL is stored and used; the output says a credential was dropped, not which', async () => {
    const folder = gitRepository();
    const result = await runCli(['--yes', '--app', 'demo', '--domain', 'example.com', '--repository', `https://x-access-token:${TOKEN}@github.com/example/demo`], folder);
    expect(result.code).toBe(0);
    expect(storedRepository(folder)).toBe('https://github.com/example/demo');
    expect(parse(readText(folder, 'copilot/pipelines/demo-main/manifest.yml')).source.properties.repository).toBe('https://github.com/example/demo');
    expect(filesHolding(folder, TOKEN)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).toContain('The repository URL from --repository held credentials');
  });

  test('origin with a token (the default): stored clean, the run names git remote origin and how to clean it', async () => {
    const folder = gitRepository(`https://x-access-token:${TOKEN}@github.com/example/demo.git`);
    const result = await runCli(['--yes', '--app', 'demo', '--domain', 'example.com'], folder);
    expect(result.code).toBe(0);
    expect(storedRepository(folder)).toBe('https://github.com/example/demo.git');
    expect(filesHolding(folder, TOKEN)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).toContain('The repository URL from git remote origin held credentials');
    expect(result.stdout + result.stderr).toContain('git remote set-url origin https://github.com/example/demo.git');
  });

  test('an SSH origin has no credential: nothing is said', async () => {
    const folder = gitRepository('git@github.com:example/demo.git');
    const result = await runCli(['--yes', '--app', 'demo', '--domain', 'example.com'], folder);
    expect(result.code).toBe(0);
    expect(storedRepository(folder)).toBe('git@github.com:example/demo.git');
    expect(result.stdout + result.stderr).not.toContain('held credentials');
  });

  test.each([
    ['--repository', ['--repository', `https://oauth2:${TOKEN}@gitlab.com/example/demo`], '--repository "https://gitlab.com/example/demo" is refused'],
    ['origin', [], '--repository "https://gitlab.com/example/demo" (the default) is refused'],
  ])('a refused URL from %s is shown without its user part', async (from, flags, refusal) => {
    const folder = gitRepository(from === 'origin' ? `https://oauth2:${TOKEN}@gitlab.com/example/demo` : undefined);
    const result = await runCli(['--yes', '--app', 'demo', '--domain', 'example.com', ...flags], folder);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(refusal);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(tree(folder)).toEqual({});
  });

  test('a token stored in .yo-rc.json by an earlier version is dropped from it', async () => {
    const folder = gitRepository();
    const answers = { app: 'demo', service: 'django', domain: 'example.com', branches: 'main:prod', spot: false, repository: `https://${TOKEN}@github.com/example/demo`, djangoDir: 'app' };
    writeFileSync(join(folder, '.yo-rc.json'), JSON.stringify({ 'generator-copilot-django': answers }));
    const result = await runCli(['--yes'], folder);
    expect(result.code).toBe(0);
    expect(storedRepository(folder)).toBe('https://github.com/example/demo');
    expect(filesHolding(folder, TOKEN)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).toContain('The repository URL from .yo-rc.json held credentials');
  });

  test('a mistyped flag carrying a token is named without its value', async () => {
    const folder = gitRepository();
    const result = await runCli(['--yes', `--repositry=https://x-access-token:${TOKEN}@github.com/example/demo`], folder);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Unknown flag --repositry: run with --help');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });
});

describe('symbolic links that leave the repository are refused before anything is written', () => {
  test.each([
    ['a folder, nginx -> /outside', (repo: string, outside: string) => symlinkSync(outside, join(repo, 'nginx')), 'nginx'],
    ['a folder through a relative link, copilot -> ../outside', (repo: string, outside: string) => symlinkSync(relative(repo, outside), join(repo, 'copilot')), 'copilot'],
    [
      'a file that exists, .gitignore -> /outside/gitignore',
      (repo: string, outside: string) => {
        writeFileSync(join(outside, 'gitignore'), 'mine\n');
        symlinkSync(join(outside, 'gitignore'), join(repo, '.gitignore'));
      },
      '.gitignore',
    ],
    ['a file that does not exist yet, .gitignore -> /outside/x', (repo: string, outside: string) => symlinkSync(join(outside, 'x'), join(repo, '.gitignore')), '.gitignore'],
    [
      'a chain: nginx -> inner (inside) -> /outside',
      (repo: string, outside: string) => {
        symlinkSync(outside, join(repo, 'inner'));
        symlinkSync('inner', join(repo, 'nginx'));
      },
      'nginx',
    ],
    [
      'a link inside a folder: app -> sub/.., sub/up -> ../..',
      (repo: string) => {
        mkdirSync(join(repo, 'sub'));
        symlinkSync('../..', join(repo, 'sub', 'up'));
        symlinkSync('sub/up', join(repo, 'app'));
      },
      'app',
    ],
    ['.yo-rc.json -> /outside/yo-rc.json', (repo: string, outside: string) => symlinkSync(join(outside, 'yo-rc.json'), join(repo, '.yo-rc.json')), '.yo-rc.json'],
  ])('%s', async (_, plant, link) => {
    const outside = temporaryFolder('outside-');
    const repo = temporaryFolder();
    plant(repo, outside);
    const before = { repo: tree(repo), outside: tree(outside) };
    const run = runApp({ ...DEMO_FLAGS, yes: true }, { cwd: repo });
    await expect(run).rejects.toThrow(`${link} is a symbolic link to ${readlinkSync(join(repo, link))}`);
    await expect(run).rejects.toThrow('outside the repository');
    expect({ repo: tree(repo), outside: tree(outside) }).toEqual(before);
  });

  test('a link inside the repository is followed: nginx -> sidecar', async () => {
    const repo = temporaryFolder();
    mkdirSync(join(repo, 'sidecar'));
    symlinkSync('sidecar', join(repo, 'nginx'));
    await runApp({ ...DEMO_FLAGS, yes: true }, { cwd: repo });
    expect(existsSync(join(repo, 'sidecar', 'nginx.conf'))).toBe(true);
    expect(lstatSync(join(repo, 'nginx')).isSymbolicLink()).toBe(true);
  });

  test('a removed environment whose folder links outside: refused, the outside files stay', async () => {
    const repo = temporaryFolder();
    const outside = temporaryFolder('outside-');
    await runApp({ ...DEMO_FLAGS, yes: true }, { cwd: repo });
    renameSync(join(repo, 'copilot', 'environments', 'dev'), join(outside, 'dev'));
    symlinkSync(join(outside, 'dev'), join(repo, 'copilot', 'environments', 'dev'));
    const before = { repo: tree(repo), outside: tree(outside) };
    const run = runApp({ yes: true, branches: 'main:prod', 'remove-environments': true }, { cwd: repo });
    await expect(run).rejects.toThrow(`copilot/environments/dev is a symbolic link to ${join(outside, 'dev')}`);
    expect({ repo: tree(repo), outside: tree(outside) }).toEqual(before);
  });

  test('the check itself: a loop of links and a dangling link out are refused, a dangling link in is not', () => {
    const repo = temporaryFolder();
    symlinkSync('loop-b', join(repo, 'loop-a'));
    symlinkSync('loop-a', join(repo, 'loop-b'));
    symlinkSync('/nonexistent-folder/x', join(repo, 'dangling-out'));
    symlinkSync('not-yet', join(repo, 'dangling-in'));
    const links = linksLeavingRoot(repo, ['loop-a/file', 'dangling-out', 'dangling-in/file', 'plain/file']);
    expect(links.map(({ path, resolved }) => [path, resolved])).toEqual([
      ['loop-a', undefined],
      ['dangling-out', '/nonexistent-folder/x'],
    ]);
  });
});

describe("--django-dir refuses other tools' folders", () => {
  test.each([
    ['.git', /not a \.git folder or inside one \(git owns it\)/],
    ['.git/hooks', /not a \.git folder or inside one \(git owns it\)/],
    ['.GIT/hooks', /not a \.git folder or inside one/],
    ['vendor/.git/hooks', /not a \.git folder or inside one/],
    ['node_modules', /not a node_modules folder or inside one \(npm owns it\)/],
    ['web/node_modules/pkg', /not a node_modules folder or inside one/],
    ['copilot', /not the repository's copilot\/ folder or inside one \(Copilot owns it\)/],
    ['copilot/django', /not the repository's copilot\/ folder or inside one/],
    ['a$b', /names of letters, digits, _, - and inner dots/],
    ["it's", /names of letters, digits, _, - and inner dots/],
    ['.hidden', /names of letters, digits/],
  ])('--django-dir %j is refused, nothing written', async (folder, rule) => {
    const cwd = temporaryFolder();
    const run = runApp({ ...DEMO_FLAGS, yes: true, 'django-dir': folder }, { cwd });
    await expect(run).rejects.toThrow(`--django-dir ${JSON.stringify(folder)} is refused: it must`);
    await expect(run).rejects.toThrow(rule);
    expect(tree(cwd)).toEqual({});
  });

  test('a folder named copilot below the root is a project folder like any other', async () => {
    const cwd = temporaryFolder();
    await runApp({ ...DEMO_FLAGS, yes: true, 'django-dir': 'services/copilot' }, { cwd });
    expect(existsSync(join(cwd, 'services', 'copilot', 'manage.py'))).toBe(true);
  });
});

/**
 * Branch names git accepts, one per character class that means something to YAML, a shell, Markdown or Mermaid, or
 * that Copilot's YAML parser (go-yaml) reads as a line break or refuses. `,` and `:` separate the pairs of
 * --branches and are refused there.
 */
const BRANCHES: Array<[what: string, branch: string]> = [
  ['& inside (HTML-escaped before)', 'fix&amp'],
  ['& first (a YAML anchor)', '&anchor'],
  ["' (a shell quote)", "it's"],
  ["' around", "'quoted'"],
  ['" (YAML and shell quote)', 'say"hi"'],
  ['# inside and first (a YAML or shell comment)', '#hash#tag'],
  ['$ (parameter expansion, command substitution)', '$HOME$(id)${USER}'],
  ['; (a command separator)', 'semi;colon'],
  ['! first (a YAML tag, history expansion)', '!bang'],
  ['{ } (a YAML flow mapping, brace expansion)', '{brace}'],
  ['% (a YAML directive, printf)', '%percent%s'],
  ['< > (redirections, markup)', '<angle>'],
  ['| first (a YAML block scalar, a pipe)', '|pipe'],
  ['> first (a YAML folded scalar)', '>folded'],
  ['( ) (a subshell)', '(paren)'],
  ['` (command substitution)', '`backquote`'],
  ['@ first (reserved in YAML)', '@at'],
  [']', ']bracket'],
  ['= first (zsh expands =command)', '=equals'],
  ['/ . _ - +', 'release/v1.2_rc-1+x'],
  ['a YAML 1.1 boolean', 'yes'],
  ['YAML null', 'null'],
  ['a YAML number', '1.0'],
  ['a YAML hexadecimal number', '0x1F'],
  ['non-ASCII letters', 'café-δοκιμή'],
  ['an emoji', 'ship🚀it'],
  ['NEL (a line break to go-yaml)', 'nel\u0085line'],
  ['LS (a line break to go-yaml)', 'ls\u2028line'],
  ['PS (a line break to go-yaml)', 'ps\u2029line'],
  ['a C1 control (go-yaml refuses it raw)', 'csi\u009bcontrol'],
  ['a byte-order mark', 'bom\ufeffmark'],
  ['U+FFFE (go-yaml refuses it raw)', 'non\ufffechar'],
  ['a no-break space', 'nb\u00a0sp'],
  ['every shell character at once', `all&'";|<>()$\`!{}#%=`],
];

/** What go-yaml takes as a line break or refuses when it appears raw (yamlprivateh.go is_break, readerc.go). */
const GO_YAML_UNSAFE = /[\u0080-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

const environmentOf = (index: number) => `env${index + 1}`;
const pipelineOf = (branch: string) => `demo-${branchSlug(branch)}`;

/** Runs `line` in `shell` with `git` a function that prints its arguments, one per line. */
function gitArguments(shell: string, line: string): string[] {
  const syntax = spawnSync(shell, ['-n', '-c', line], { encoding: 'utf8' });
  expect({ line, status: syntax.status, stderr: syntax.stderr }).toEqual({ line, status: 0, stderr: '' });
  const run = spawnSync(shell, ['-c', `git() { printf '%s\\n' "$@"; }\n${line}`], { encoding: 'utf8' });
  expect({ line, status: run.status, stderr: run.stderr }).toEqual({ line, status: 0, stderr: '' });
  return run.stdout.replace(/\n$/, '').split('\n');
}

describe('branch names with every character git allows', () => {
  let folder: string;
  let printed: string;

  beforeAll(async () => {
    folder = temporaryFolder();
    const branches = BRANCHES.map(([, branch], index) => `${branch}:${environmentOf(index)}`).join(',');
    const result = await runCli(['--yes', '--app', 'demo', '--domain', 'example.com', '--repository', 'https://github.com/example/demo', '--branches', branches], folder);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    printed = result.stdout + result.stderr;
  });

  test.each(BRANCHES)('%s: git itself accepts %j', (_, branch) => {
    expect(execFileSync('git', ['check-ref-format', '--branch', branch], { encoding: 'utf8' })).toBe(`${branch}\n`);
  });

  test.each(BRANCHES)('%s: the pipeline manifest watches exactly %j and passes Copilot\'s schema', (_, branch) => {
    const text = readText(folder, `copilot/pipelines/${pipelineOf(branch)}/manifest.yml`);
    expect(parseAllDocuments(text)).toHaveLength(1);
    const manifest = parse(text);
    expect(manifest.source.properties.branch).toBe(branch);
    expect(manifest.source.properties.repository).toBe('https://github.com/example/demo');
    expect(checkManifest('pipeline', manifest)).toEqual([]);
    expect(text).not.toMatch(GO_YAML_UNSAFE);
  });

  test.each(BRANCHES.map(([what, branch], index) => [what, branch, environmentOf(index)]))('%s: the environment manifest of %j (%s) stays one valid document', (_, _branch, environment) => {
    const text = readText(folder, `copilot/environments/${environment}/manifest.yml`);
    expect(parseAllDocuments(text)).toHaveLength(1);
    const manifest = parse(text);
    expect(manifest.name).toBe(environment);
    expect(checkManifest('environment', manifest)).toEqual([]);
    expect(text).not.toMatch(GO_YAML_UNSAFE);
  });

  /** The `git push` lines, printed by the run and in the README's code blocks. */
  const pushLines = (text: string) => text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('git push '));

  test.each([
    ['printed by the run', () => printed],
    ['in the README', () => readText(folder, 'copilot/README.md')],
  ])('every git push command %s passes its branch as one argument, in sh and bash', (_, source) => {
    const lines = pushLines(source());
    expect(lines).toHaveLength(BRANCHES.length);
    for (const shell of ['sh', 'bash']) {
      const pushed = lines.map((line) => gitArguments(shell, line));
      expect(pushed).toEqual(BRANCHES.map(([, branch]) => ['push', 'origin', `HEAD:${branch}`]));
    }
  });

  test('the README and the run print the same git add command, which shells take as the paths it names', () => {
    const add = (text: string) => text.split('\n').map((line) => line.trim()).find((line) => line.startsWith('git add '));
    expect(add(readText(folder, 'copilot/README.md'))).toBe(add(printed));
    const paths = gitArguments('sh', add(printed)!).slice(1);
    for (const path of paths) expect(existsSync(join(folder, path))).toBe(true);
  });

  test('the README diagram labels each branch with Mermaid entities that decode to exactly its name', () => {
    const readme = readText(folder, 'copilot/README.md');
    BRANCHES.forEach(([, branch], index) => {
      const match = new RegExp(`branch_${environmentOf(index)}\\["branch ([^"]*)"\\]`).exec(readme);
      expect(match).not.toBeNull();
      expect(match![1].replace(/#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))).toBe(branch);
    });
  });
});
