/**
 * Re-runs months later, in a repo the team has changed: nothing they wrote is lost, the generator adds only what
 * is new, and the result still passes Copilot's schema. One folder across runs, edited the way users edit.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceConnectOn } from '../generators/shared/rerun.js';
import { checkManifest } from './support/copilot-schema.js';
import { editLikeAUser } from './support/edits.js';
import { git as inRepository } from './support/existing-projects.js';
import { DEMO_FLAGS, generateProject, listFiles, readText, readYaml, runApp, runCli, runEnv, snapshot, temporaryFolder } from './support/generate.js';

/** The generated count of a Spot environment: `count` tasks, the first `onDemand` on regular Fargate. */
const spotCount = (count: number, onDemand = 0) => ({ range: { min: count, max: count, spot_from: onDemand + 1 }, cpu_percentage: 70 });

function expectEditsKept(cwd: string): void {
  const text = readText(cwd, 'copilot/django/manifest.yml');
  expect(text).toContain('  # feature flag for the new checkout, see ADR-12\n  CHECKOUT_V2: "on"\n');
  const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
  expect(manifest.environments.dev.count).toEqual(spotCount(3));
  expect(readText(cwd, 'nginx/nginx.conf')).toMatch(/# rate limits: see ops runbook\n$/);
}

function expectStagingComplete(cwd: string, branch = 'release'): void {
  const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
  expect(manifest.environments.staging).toEqual({ count: spotCount(1) });
  expect(checkManifest('service', manifest)).toEqual([]);
  expect(readYaml(cwd, 'copilot/environments/staging/manifest.yml')).toMatchObject({ name: 'staging', type: 'Environment' });
  const pipeline = readYaml(cwd, `copilot/pipelines/demo-${branch}/manifest.yml`);
  expect(pipeline.source.properties.branch).toBe(branch);
  expect(pipeline.stages.map((stage: { name: string }) => stage.name)).toEqual(['staging']);
  expect(checkManifest('pipeline', pipeline)).toEqual([]);
  expect(readYaml(cwd, `copilot/pipelines/demo-${branch}/buildspec.yml`).env.variables.COPILOT_ENVIRONMENT).toBe('staging');
}

test('an unchanged re-run with --yes changes no file, byte for byte', async () => {
  const cwd = await generateProject();
  const before = snapshot(cwd);
  await runApp({ yes: true }, { cwd });
  expect(snapshot(cwd)).toEqual(before);
});

test('an unchanged re-run keeps edited files without a question', async () => {
  const cwd = await generateProject();
  editLikeAUser(cwd);
  const before = snapshot(cwd);
  await runApp({ yes: true }, { cwd });
  expect(snapshot(cwd)).toEqual(before);
});

test('a re-run with a new branch keeps every edit and adds a complete staging environment', async () => {
  const cwd = await generateProject();
  editLikeAUser(cwd);
  await runApp({ yes: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd });
  expectEditsKept(cwd);
  expectStagingComplete(cwd);
  expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].branches).toBe('develop:dev,main:prod,release:staging');
});

test('copilot-django:env adds the same environment and changes nothing else', async () => {
  const viaFlag = await generateProject();
  await runApp({ yes: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd: viaFlag });
  const viaEnv = await generateProject();
  editLikeAUser(viaEnv);
  await runEnv('staging', { branch: 'release' }, viaEnv);
  expectEditsKept(viaEnv);
  expectStagingComplete(viaEnv);
  expect(listFiles(viaEnv)).toEqual(listFiles(viaFlag));
});

test('copilot-django:env refuses a bad name, a missing branch, and a project it did not make', async () => {
  const cwd = await generateProject();
  const before = snapshot(cwd);
  await expect(runEnv('Staging', { branch: 'release' }, cwd)).rejects.toThrow('<name> "Staging" is refused: it must be a Copilot name');
  await expect(runEnv('staging', {}, cwd)).rejects.toThrow('--branch is missing');
  await expect(runEnv('staging', { branch: 'bad..branch' }, cwd)).rejects.toThrow('--branch "bad..branch" is refused');
  await expect(runEnv('dev', { branch: 'other' }, cwd)).rejects.toThrow('it exists already, deployed from branch develop');
  expect(snapshot(cwd)).toEqual(before);
  await expect(runEnv('staging', { branch: 'release' }, temporaryFolder())).rejects.toThrow('run copilot-django first');
});

test('in git, an edited repo re-run with a new environment shows only additions; an unchanged re-run no diff', async () => {
  const cwd = await generateProject();
  const git = (...args: string[]) => inRepository(cwd, ...args);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'generated');
  editLikeAUser(cwd);
  git('commit', '-qam', 'edited');
  await runApp({ yes: true }, { cwd });
  expect(git('status', '--porcelain')).toBe('');
  await runApp({ yes: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd });
  git('add', '-A');
  const changes = git('diff', '--cached', '--numstat').trim().split('\n').map((line) => line.split('\t'));
  expect(changes.length).toBeGreaterThan(3);
  for (const [added, deleted, file] of changes) {
    if (file === '.yo-rc.json') continue; // the stored branches line is replaced by its longer version
    expect({ file, deleted }).toEqual({ file, deleted: '0' });
    expect(Number(added)).toBeGreaterThan(0);
  }
});

describe('removing an environment', () => {
  test('is refused without --remove-environments, naming what it would delete, and nothing changes', async () => {
    const cwd = await generateProject();
    const before = snapshot(cwd);
    await expect(runApp({ yes: true, branches: 'main:prod' }, { cwd })).rejects.toThrow(
      /drops the environment\(s\) dev\. Removing them deletes copilot\/environments\/dev\/manifest\.yml, copilot\/pipelines\/demo-develop\/manifest\.yml, copilot\/pipelines\/demo-develop\/buildspec\.yml .*--remove-environments/,
    );
    expect(snapshot(cwd)).toEqual(before);
  });

  test('with the flag deletes its untouched files and override, and keeps a file the user changed', async () => {
    const cwd = await generateProject();
    appendFileSync(join(cwd, 'copilot/pipelines/demo-develop/buildspec.yml'), '# our integration tests run here\n');
    await runApp({ yes: true, branches: 'main:prod', 'remove-environments': true }, { cwd });
    const files = listFiles(cwd);
    expect(files).not.toContain('copilot/environments/dev/manifest.yml');
    expect(files).not.toContain('copilot/pipelines/demo-develop/manifest.yml');
    expect(files).toContain('copilot/pipelines/demo-develop/buildspec.yml');
    expect(Object.keys(readYaml(cwd, 'copilot/django/manifest.yml').environments)).toEqual(['prod']);
  });
});

describe('a value both the user and the generator changed', () => {
  /** A project on regular Fargate whose dev count the user set to 3. */
  async function projectWithDevCount(): Promise<string> {
    const cwd = await generateProject({ ...DEMO_FLAGS, spot: false });
    const path = join(cwd, 'copilot/django/manifest.yml');
    writeFileSync(path, readText(cwd, 'copilot/django/manifest.yml').replace('  dev:\n    count: 1\n', '  dev:\n    count: 3\n'));
    return cwd;
  }

  test('--yes keeps the user\'s value, lists the conflict, and does not say the environment moves', async () => {
    const cwd = await projectWithDevCount();
    const result = await runCli(['--yes', '--spot'], cwd);
    expect(result.code).toBe(0);
    const said = result.stdout + result.stderr;
    expect(said).toContain('Kept your values where you and the generator both changed them since the last run');
    expect(said).toContain('copilot/django/manifest.yml: environments.dev.count: yours 3, the generator\'s {"range":{"min":1,"max":1,"spot_from":1},"cpu_percentage":70}');
    expect(said).toMatch(/Moving the deployed environment\(s\) prod to Fargate Spot/);
    expect(said).toContain('dev keeps the count you set, so it stays where it runs now');
    const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
    expect(manifest.environments.dev.count).toBe(3);
    expect(manifest.environments.prod.count).toEqual(spotCount(2, 1));
  });

  test('in git: the diff moves prod to Spot and leaves the user\'s dev count as committed', async () => {
    const cwd = await projectWithDevCount();
    const git = (...args: string[]) => inRepository(cwd, ...args);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'generated, dev count set to 3');
    expect((await runCli(['--yes', '--spot'], cwd)).code).toBe(0);
    const diff = git('diff', '-U0', '--', 'copilot/django/manifest.yml');
    const changed = diff.split('\n').filter((line) => /^[-+] /.test(line));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.join('\n')).not.toMatch(/count: 3/);
    expect(readYaml(cwd, 'copilot/django/manifest.yml').environments).toMatchObject({ dev: { count: 3 }, prod: { count: spotCount(2, 1) } });
    // Besides the manifest, only the guide (which describes Spot) and the record change.
    expect(git('diff', '--name-only').trim().split('\n')).toEqual(['.yo-rc.json', 'copilot/README.md', 'copilot/django/manifest.yml']);
  });

  test('--force takes the generator\'s value', async () => {
    const cwd = await projectWithDevCount();
    await runApp({ yes: true, spot: true, force: true }, { cwd });
    expect(readYaml(cwd, 'copilot/django/manifest.yml').environments.dev.count).toEqual(spotCount(1));
  });

  test('at a terminal, each conflict is asked', async () => {
    const cwd = await projectWithDevCount();
    const result = await runApp({ spot: true }, { cwd, answers: { confirmed: true } });
    expect(result.askedQuestions.map((question) => question.name)).toContain('confirmed');
    expect(readYaml(cwd, 'copilot/django/manifest.yml').environments.dev.count).toEqual(spotCount(1));
  });
});

describe('switching to Spot', () => {
  test('with Service Connect off, as generated, a deployed environment switches in one deploy, with no override', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, spot: false });
    await runApp({ yes: true, spot: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd });
    const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
    expect(manifest.environments.dev).toEqual({ count: spotCount(1) });
    expect(manifest.environments.prod).toEqual({ count: spotCount(2, 1), exec: false });
    expect(manifest.environments.staging).toEqual({ count: spotCount(1) });
    expect(manifest.network.connect).toBe(false);
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].spotSwitch).toBeUndefined();
  });

  /** A generated project whose service manifest has Service Connect turned on by the user. */
  async function projectWithServiceConnect(): Promise<string> {
    const cwd = await generateProject({ ...DEMO_FLAGS, spot: false });
    const path = join(cwd, 'copilot/django/manifest.yml');
    writeFileSync(path, readText(cwd, 'copilot/django/manifest.yml').replace(/^ {2}connect: false$/m, '  connect: true'));
    return cwd;
  }

  test('with Service Connect on, a deployed environment gets it off for one deploy and the steps; a new one starts on Spot', async () => {
    const cwd = await projectWithServiceConnect();
    await runApp({ yes: true, spot: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd });
    const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
    expect(manifest.environments.dev).toEqual({ count: spotCount(1), network: { connect: false } });
    expect(manifest.environments.prod).toEqual({ count: spotCount(2, 1), exec: false, network: { connect: false } });
    expect(manifest.environments.staging).toEqual({ count: spotCount(1) });
    expect(manifest.network.connect).toBe(true);
    expect(checkManifest('service', manifest)).toEqual([]);
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].spotSwitch).toEqual(['dev', 'prod']);
  });

  test.each([
    ['as generated', { network: { connect: false } }, { dev: false, prod: false }],
    ['on at the top', { network: { connect: true } }, { dev: true, prod: true }],
    ['on with settings of its own', { network: { connect: { alias: 'web' } } }, { dev: true, prod: true }],
    ['off at the top, on in prod', { network: { connect: false }, environments: { prod: { network: { connect: true } } } }, { dev: false, prod: true }],
    ['on at the top, off in dev', { network: { connect: true }, environments: { dev: { network: { connect: false } } } }, { dev: false, prod: true }],
    ['not set', {}, { dev: false, prod: false }],
  ])('Service Connect %s: on where Copilot turns it on', (_name, manifest, expected) => {
    expect({ dev: serviceConnectOn(manifest, 'dev'), prod: serviceConnectOn(manifest, 'prod') }).toEqual(expected);
  });

  test('the switch ends where the user removed the override; a re-run does not put it back', async () => {
    const cwd = await projectWithServiceConnect();
    await runApp({ yes: true, spot: true }, { cwd });
    const manifestPath = join(cwd, 'copilot/django/manifest.yml');
    const text = readText(cwd, 'copilot/django/manifest.yml');
    const devBlock = /( {2}dev:\n(?: {4}#.*\n)* {4}count:\n(?: {6}.*\n)+)( {4}#.*\n)* {4}network:\n {6}connect: false\n/;
    expect(text).toMatch(devBlock);
    writeFileSync(manifestPath, text.replace(devBlock, '$1'));
    await runApp({ yes: true }, { cwd });
    const manifest = readYaml(cwd, 'copilot/django/manifest.yml');
    expect(manifest.environments.dev).toEqual({ count: spotCount(1) });
    expect(manifest.environments.prod.network).toEqual({ connect: false });
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].spotSwitch).toEqual(['prod']);
  });

  test('the built command prints one deploy for a generated project, and the two-step procedure with Service Connect on', async () => {
    const cwd = temporaryFolder();
    await runCli(['--yes', '--app', 'demo', '--allow-http', '--no-spot'], cwd);
    const direct = await runCli(['--yes', '--spot'], cwd);
    expect(direct.code).toBe(0);
    expect(direct.stdout + direct.stderr).toMatch(/Moving the deployed environment\(s\) dev, prod to Fargate Spot: Service Connect is off .* one deploy does it/);
    expect(direct.stdout + direct.stderr).not.toMatch(/delete the `network: connect: false` override/);
    const path = join(cwd, 'copilot/django/manifest.yml');
    writeFileSync(path, readText(cwd, 'copilot/django/manifest.yml').replace(/^ {2}connect: false$/m, '  connect: true'));
    const result = await runCli(['--yes', '--no-spot'], cwd);
    expect(result.code).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/Moving the deployed environment\(s\) dev, prod to regular Fargate/);
    expect(output).toMatch(/delete the `network: connect: false` override/);
  });
});

describe('bad input on a re-run', () => {
  test('a bad flag is refused and nothing changes', async () => {
    const cwd = await generateProject();
    const before = snapshot(cwd);
    await expect(runApp({ yes: true, domain: 'https://example.com' }, { cwd })).rejects.toThrow('--domain "https://example.com" is refused');
    expect(snapshot(cwd)).toEqual(before);
  });

  test('a hand-edited run state in .yo-rc.json is refused, not ignored', async () => {
    const cwd = await generateProject();
    const stored = JSON.parse(readText(cwd, '.yo-rc.json'));
    stored['generator-copilot-django'].spotSwitch = 'dev';
    writeFileSync(join(cwd, '.yo-rc.json'), JSON.stringify(stored));
    const before = snapshot(cwd);
    await expect(runApp({ yes: true }, { cwd })).rejects.toThrow('"spotSwitch" must be a list of environment names');
    expect(snapshot(cwd)).toEqual(before);
  });

  test('a .yo-rc.json that is not JSON gets a clear message, not a stack trace', async () => {
    const cwd = await generateProject();
    writeFileSync(join(cwd, '.yo-rc.json'), '{ "generator-copilot-django": { "app": "demo", }');
    const before = snapshot(cwd);
    const result = await runCli(['--yes'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\.yo-rc\.json/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(snapshot(cwd)).toEqual(before);
  });
});

describe('a stored answer broken by hand', () => {
  test('does not change the mode, and the re-run reports no edits the user never made', async () => {
    const cwd = await generateProject();
    const path = join(cwd, '.yo-rc.json');
    const stored = JSON.parse(readText(cwd, '.yo-rc.json'));
    stored['generator-copilot-django'].app = 'Demo';
    writeFileSync(path, JSON.stringify(stored, null, 2));
    const before = snapshot(cwd);
    const result = await runCli(['--yes', '--app', 'demo'], cwd);
    expect(result.code).toBe(0);
    const said = result.stdout + result.stderr;
    expect(said).not.toMatch(/Deploying your Django project|Kept your/);
    const after = snapshot(cwd);
    delete before['.yo-rc.json'];
    delete after['.yo-rc.json'];
    expect(after).toEqual(before);
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django']).toMatchObject({ app: 'demo' });
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].existingProject).toBeUndefined();
  });
});

describe('changing what Copilot fixed at app init', () => {
  test.each([
    ['--app', { app: 'shop' }, '--app "shop" changes the application from "demo"'],
    ['--domain', { domain: 'example.org' }, '--domain "example.org" changes the domain from "example.com"'],
  ])('%s on a re-run is refused, saying what it means in AWS, until --confirm-rename', async (_flag, change, message) => {
    const cwd = await generateProject();
    const before = snapshot(cwd);
    await expect(runApp({ yes: true, ...change }, { cwd })).rejects.toThrow(message);
    await expect(runApp({ yes: true, ...change }, { cwd })).rejects.toThrow('Pass --confirm-rename to write the files for the new one.');
    expect(snapshot(cwd)).toEqual(before);
    await runApp({ yes: true, ...change, 'confirm-rename': true }, { cwd });
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django']).toMatchObject(change);
  });
});
