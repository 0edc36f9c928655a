/**
 * What ships is what runs: package.json's `bin` is the bundle scripts/build.mjs makes (yeoman-environment and the
 * generators in a few files, rarely used modules behind facades). It must write what the TypeScript generator
 * writes, byte for byte and with the same file modes, and merge on a re-run as the generator does.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, DEMO_FLAGS, generateProject, listFiles, ROOT, runCli, temporaryFolder } from './support/generate.js';

const demoArguments = ['--yes', ...Object.entries(DEMO_FLAGS).flatMap(([flag, value]) => (value === true ? [`--${flag}`] : [`--${flag}`, String(value)]))];

/** Every file under `folder` with its bytes and permission bits. */
function files(folder: string): Record<string, { bytes: Buffer; mode: string }> {
  return Object.fromEntries(
    listFiles(folder).map((file) => [file, { bytes: readFileSync(join(folder, file)), mode: (statSync(join(folder, file)).mode & 0o777).toString(8) }]),
  );
}

test('runCli spawns the command package.json ships, and that command is the bundle, not the compiled sources', () => {
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(CLI).toBe(join(ROOT, packageJson.bin['copilot-django']));
  // The compiled sources would import yeoman-environment from node_modules; the bundle holds it.
  expect(readFileSync(CLI, 'utf8')).not.toMatch(/from ["']yeoman-environment["']/);
});

test('the shipped command writes byte for byte what the TypeScript generator writes, with the same file modes', async () => {
  const expected = files(await generateProject(DEMO_FLAGS));
  const cwd = temporaryFolder();
  const result = await runCli(demoArguments, cwd);
  expect(result.code).toBe(0);
  expect(files(cwd)).toEqual(expected);
  expect(expected['app/entrypoint.sh'].mode).toBe('755');
});

test('a re-run of the shipped command keeps a comment the user added to the service manifest and changes no other file', async () => {
  const cwd = temporaryFolder();
  expect((await runCli(demoArguments, cwd)).code).toBe(0);
  const manifest = join(cwd, 'copilot', 'django', 'manifest.yml');
  writeFileSync(manifest, `# scaled by hand, see the runbook\n${readFileSync(manifest, 'utf8')}`);
  const before = files(cwd);

  const rerun = await runCli(['--yes'], cwd);

  expect(rerun.code).toBe(0);
  expect(files(cwd)).toEqual(before);
  expect(readFileSync(manifest, 'utf8')).toMatch(/^# scaled by hand, see the runbook\n/);
});
