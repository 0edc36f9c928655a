/**
 * What users get: the tarball `npm pack` makes (the same `npm publish` uploads), installed as README.md's "Use"
 * says, with `npm install -g`, into a prefix of its own. The bundle in dist/ is the whole program (scripts/build.mjs),
 * so the tarball declares no dependencies and installs offline; its command, run from that prefix, writes the same
 * project as the TypeScript generator, and Yeoman's lookup finds both generators in it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEnv } from 'yeoman-environment';
import { DEMO_FLAGS, generateProject, listFiles, ROOT, snapshot, temporaryFolder } from './support/generate.js';

interface PackedFile {
  path: string;
  size: number;
}

/**
 * The unpacked size's ceiling, about 11 % above what was measured (npm pack --dry-run --json, Node 20, npm 11):
 * 4,134,770 bytes = dist/ 3,966,710 (of which THIRD-PARTY-LICENSES.txt 147,152) + templates/ 137,719 + README.md,
 * CHANGELOG.md, LICENSE, package.json and the two generators/<name>/index.js 30,341; 948,908 bytes packed. It fails
 * when node_modules, sources or tests slip into the package (the former runtime dependencies, installed, took 74 MB
 * in 243 packages).
 */
const UNPACKED_CEILING = 4_600_000;

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let files: string[];
let unpackedSize: number;
let tarball: string;
let installed: string;
let command: string;

beforeAll(() => {
  const folder = temporaryFolder('packed-');
  // `npm test` has built dist/ already; --ignore-scripts keeps npm from building it again (the `prepare` script).
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', folder], { cwd: ROOT, encoding: 'utf8' }));
  files = (packed.files as PackedFile[]).map((file) => file.path).sort();
  unpackedSize = packed.unpackedSize;
  tarball = packed.filename;
  const prefix = join(folder, 'prefix');
  // --offline: the tarball must need nothing from the registry or the npm cache.
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(folder, packed.filename)], { cwd: folder, stdio: 'pipe' });
  installed = join(prefix, 'lib', 'node_modules', packageJson.name);
  command = join(prefix, 'bin', 'copilot-django');
}, 120_000);

describe('the tarball', () => {
  test('holds the licence, the README, the changelog, the bundle, the generator entry points and every template', () => {
    for (const file of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'dist/THIRD-PARTY-LICENSES.txt', 'generators/app/index.js', 'generators/env/index.js']) {
      expect(files).toContain(file);
    }
    expect(files).toContain(packageJson.bin['copilot-django']);
    expect(files).toEqual(expect.arrayContaining(['dist/generators/app/generator.js', 'dist/generators/env/generator.js']));
    const templates = listFiles(join(ROOT, 'templates')).map((file) => `templates/${file}`);
    expect(templates.length).toBeGreaterThan(30);
    expect(files).toEqual(expect.arrayContaining(templates));
    // The templates of every release, which re-runs render what that release wrote from (released.ts).
    const released = listFiles(join(ROOT, 'released')).map((file) => `released/${file}`);
    expect(released).toContain('released/0.1.0/commit');
    expect(files).toEqual(expect.arrayContaining(released));
  });

  test('holds no tests, no TypeScript sources, no build scripts and no node_modules', () => {
    expect(files.filter((file) => /^(test|scripts|node_modules|\.ci)\//.test(file) || file.includes('/node_modules/'))).toEqual([]);
    // The generator's own TypeScript is bundled into dist/; templates/infra/ holds the CDK app it writes, in TypeScript.
    expect(files.filter((file) => file.endsWith('.ts') && !file.startsWith('templates/infra/'))).toEqual([]);
    expect(files.filter((file) => !/^(package\.json|LICENSE|README\.md|CHANGELOG\.md|dist\/.*|templates\/.*|released\/.*|generators\/(app|env)\/index\.js)$/.test(file))).toEqual([]);
  });

  test("is the file README.md's install commands name", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`npm pack                                            # writes ${tarball}\n`);
    expect(readme).toContain(`npm install -g ./${tarball}\n`);
  });

  test(`unpacks to at most ${UNPACKED_CEILING.toLocaleString('en')} bytes`, () => {
    expect(unpackedSize).toBeLessThanOrEqual(UNPACKED_CEILING);
  });

  test('declares no dependencies: the bundle holds them (scripts/build.mjs refuses an import it leaves outside)', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(readdirSync(installed)).not.toContain('node_modules');
  });
});

describe('installed with npm install -g into a prefix of its own', () => {
  test('copilot-django --yes --domain example.com writes a project into an empty folder', () => {
    const cwd = temporaryFolder();
    execFileSync(command, ['--yes', '--domain', 'example.com'], { cwd, stdio: 'pipe', env: { ...process.env, FORCE_COLOR: '0' } });
    const written = listFiles(cwd);
    expect(written).toEqual(expect.arrayContaining(['.yo-rc.json', 'README.md', 'copilot/README.md', 'copilot/.workspace', 'app/Dockerfile', 'nginx/nginx.conf']));
    expect(JSON.parse(readFileSync(join(cwd, '.yo-rc.json'), 'utf8'))['generator-copilot-django'].domain).toBe('example.com');
  });

  test('copilot-django writes the same project as the TypeScript generator', async () => {
    const expected = snapshot(await generateProject(DEMO_FLAGS));
    const cwd = temporaryFolder();
    const flags = ['--app', 'demo', '--domain', 'example.com', '--branches', 'develop:dev,main:prod', '--spot', '--repository', 'https://github.com/example/demo'];
    execFileSync(command, ['--yes', ...flags], { cwd, stdio: 'pipe' });
    expect(snapshot(cwd)).toEqual(expected);
  });

  test("Yeoman's lookup finds both generators", async () => {
    const env = createEnv({ cwd: installed });
    const found = await env.lookup({ packagePaths: [installed] });
    expect(found.map((meta) => meta.namespace).sort()).toEqual(['copilot-django:app', 'copilot-django:env']);
    expect(found.every((meta) => meta.resolved.endsWith('index.js'))).toBe(true);
  });
});
