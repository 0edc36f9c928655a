/**
 * Symbolic links on the way to a file the run writes or deletes. Writing follows them: a folder `nginx -> /srv/www`
 * or a file `.gitignore -> ~/.gitignore` would make the run write outside the repository. The run checks every path
 * it may touch before writing anything and refuses such a link; a link that stays inside the repository is followed.
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, parse, posix, sep } from 'node:path';

export interface LeavingLink {
  /** The link, relative to the repository root. */
  path: string;
  /** What the link holds (readlink). */
  target: string;
  /** Where it leads once every link is followed; undefined for a loop of links. */
  resolved?: string;
  /** The paths of the run that go through it. */
  through: string[];
}

/** Links followed before giving up, as Linux does (ELOOP after 40). */
const MAX_LINKS = 40;

function lstatOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Where the absolute `path` leads, as the system resolves it when writing: every link on the way followed, also when
 * the last parts (or a link's target) do not exist yet. `..` after a link goes up from where the link led.
 */
function resolveThroughLinks(path: string, budget = { links: MAX_LINKS }): string | undefined {
  const { root } = parse(path);
  let current = root;
  for (const part of path.slice(root.length).split(sep === '/' ? '/' : /[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    if (!lstatOf(next)?.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (--budget.links < 0) return undefined;
    const target = readlinkSync(next);
    // Not join(): it would cancel a `..` against the part before it, which may itself be a link.
    const resolved = resolveThroughLinks(isAbsolute(target) ? target : `${current}${sep}${target}`, budget);
    if (resolved === undefined) return undefined;
    current = resolved;
  }
  return current;
}

/**
 * The links that lead outside `root` on the way to `paths` (relative POSIX paths of plain names): for each path the
 * first such link, each link once with every path that goes through it.
 */
export function linksLeavingRoot(root: string, paths: string[]): LeavingLink[] {
  const realRoot = realpathSync(root);
  const inside = (path: string | undefined) => path !== undefined && (path === realRoot || path.startsWith(realRoot.endsWith(sep) ? realRoot : `${realRoot}${sep}`));
  const found = new Map<string, LeavingLink>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let length = 1; length <= parts.length; length++) {
      const link = posix.join(...parts.slice(0, length));
      const absolute = join(root, link);
      if (!lstatOf(absolute)?.isSymbolicLink()) continue;
      const resolved = resolveThroughLinks(absolute);
      if (inside(resolved)) continue;
      const entry = found.get(link) ?? { path: link, target: readlinkSync(absolute), resolved, through: [] };
      entry.through.push(path);
      found.set(link, entry);
      break;
    }
  }
  return [...found.values()];
}

/** The refusal: each link, where it points, and what the run would have written through it. */
export function leavingLinksMessage(links: LeavingLink[]): string {
  const lines = links.map(({ path, target, resolved, through }) => {
    const where = resolved === undefined ? 'a loop of symbolic links' : resolved === target ? target : `${target}, which leads to ${resolved}`;
    const what = through.length === 1 && through[0] === path ? `the run writes ${path}` : `the run writes ${through.join(', ')} through it`;
    return `  ${path} is a symbolic link to ${where}, outside the repository: ${what}.`;
  });
  return [
    'Refused: writing would follow symbolic links out of the repository. Nothing was written.',
    ...lines,
    'Replace each link with a real file or folder (or a link to one inside the repository) and run again.',
  ].join('\n');
}
