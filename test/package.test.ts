/**
 * What `npm install -g generator-copilot-django` gets: the packed tarball. Unpacked beside our node_modules, its
 * own command generates the same project as the sources, and Yeoman's lookup finds its generators.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createEnv } from 'yeoman-environment';
import { DEMO_FLAGS, generateProject, ROOT, snapshot, temporaryFolder } from './support/generate.js';

let packageDir: string;

beforeAll(() => {
  const folder = temporaryFolder('packed-');
  const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', folder], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  packageDir = join(folder, 'generator-copilot-django');
  mkdirSync(packageDir);
  execFileSync('tar', ['-xzf', join(folder, tarball), '-C', packageDir, '--strip-components=1']);
  symlinkSync(join(ROOT, 'node_modules'), join(packageDir, 'node_modules'));
}, 60_000);

test('the packed command (package.json bin) writes the same project as the TypeScript generator', async () => {
  const expected = snapshot(await generateProject(DEMO_FLAGS));
  const cwd = temporaryFolder();
  const flags = ['--app', 'demo', '--domain', 'example.com', '--branches', 'develop:dev,main:prod', '--spot', '--repository', 'https://github.com/example/demo'];
  const bin = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).bin['copilot-django'];
  execFileSync(process.execPath, [join(packageDir, bin), '--yes', ...flags], { cwd, stdio: 'pipe' });
  expect(snapshot(cwd)).toEqual(expected);
});

test("Yeoman's lookup finds both generators in the packed package", async () => {
  const env = createEnv({ cwd: packageDir });
  const found = await env.lookup({ packagePaths: [packageDir] });
  expect(found.map((meta) => meta.namespace).sort()).toEqual(['copilot-django:app', 'copilot-django:env']);
  expect(found.every((meta) => meta.resolved.endsWith('index.js'))).toBe(true);
});
