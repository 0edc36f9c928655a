/**
 * The command of a released version of this package, as it was: its commit (released/<version>/commit) taken from
 * this repository's git history and built with its own build script, once per machine (cached in the temporary
 * folder by commit). The upgrade tests generate projects with it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, temporaryFolder } from './generate.js';

export function releasedCommit(version: string): string {
  return readFileSync(join(ROOT, 'released', version, 'commit'), 'utf8').trim();
}

/** The path of the released version's cli.js, built from git history on first use. */
export function releasedCli(version: string): string {
  const commit = releasedCommit(version);
  const folder = join(tmpdir(), `copilot-django-${version}-${commit.slice(0, 12)}`);
  const cli = join(folder, 'dist/generators/cli.js');
  if (existsSync(cli)) return cli;
  const building = temporaryFolder(`copilot-django-${version}-build-`);
  try {
    execFileSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', ROOT, commit, building], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`cannot read ${version} (commit ${commit}) from this repository's history: ${String((error as { stderr?: Buffer }).stderr ?? error)}. A shallow clone needs git fetch --unshallow.`);
  }
  // The release's build bundles the same packages this repository's devDependencies hold.
  symlinkSync(join(ROOT, 'node_modules'), join(building, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: building, stdio: 'ignore' });
  mkdirSync(tmpdir(), { recursive: true });
  rmSync(folder, { recursive: true, force: true });
  renameSync(building, folder);
  return cli;
}
