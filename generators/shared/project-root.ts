/**
 * Where a run writes when no folder is given: run from a subfolder (`app/`, `copilot/`), it must update the project,
 * not write a second one inside it. As older releases of yeoman-generator did in their constructor (a find-up of
 * .yo-rc.json; the 8.x used here no longer looks), the project root is the nearest folder above holding .yo-rc.json,
 * here one holding this generator's answers (a stray one of another generator, in a home folder say, moves nothing).
 * On a first run it is the root of the git repository (where Copilot's workspace and the pipelines' buildspec paths
 * belong), else the working folder. A .yo-rc.json above the repository's root does not count.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ProjectRoot {
  root: string;
  /** Why the root is not the working folder; undefined when it is. */
  reason?: string;
}

function gitRoot(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether `folder` holds a .yo-rc.json with this generator's entry. */
function holdsAnswers(folder: string): boolean {
  const path = join(folder, '.yo-rc.json');
  if (!existsSync(path)) return false;
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof stored === 'object' && stored !== null && 'generator-copilot-django' in stored;
  } catch {
    return false;
  }
}

/** The project root for a run started in `cwd`. Inside a git repository, a .yo-rc.json above its root does not count. */
export function findProjectRoot(cwd: string): ProjectRoot {
  const start = existsSync(cwd) ? realpathSync(cwd) : resolve(cwd);
  const repository = gitRoot(start);
  for (let folder = start; ; folder = dirname(folder)) {
    if (holdsAnswers(folder)) {
      return folder === start ? { root: start } : { root: folder, reason: "the nearest folder above holding copilot-django's .yo-rc.json" };
    }
    if (folder === repository || dirname(folder) === folder) break;
  }
  if (repository && repository !== start) return { root: repository, reason: 'the root of the git repository (a first run)' };
  return { root: start };
}

/** What the run says when it writes elsewhere than where it was started. */
export function projectRootNotice(cwd: string, { root, reason }: ProjectRoot): string | undefined {
  if (!reason) return undefined;
  const here = relative(root, existsSync(cwd) ? realpathSync(cwd) : resolve(cwd));
  return `Writing into ${root}, ${reason}, not into ${here}/: pass --cwd . to write into the working folder.`;
}
