/**
 * What `docker build` sends as the build context: every file under the context folder except those its ignore file
 * excludes: BuildKit's `<Dockerfile>.dockerignore` next to the Dockerfile when there is one, else the context's
 * `.dockerignore`. Docker's matching (moby/patternmatcher) is anchored at the context root, unlike
 * .gitignore: `__pycache__` excludes only `./__pycache__`, `**\/__pycache__` excludes it at any depth.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { contextPath, copyArguments, type Instruction } from './dockerfile.js';

interface IgnorePattern {
  regex: RegExp;
  exception: boolean;
}

function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches everything below.
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', i);
      source += pattern.slice(i, end + 1).replace('[!', '[^');
      i = end;
    } else if (char === '\\') source += `\\${pattern[++i]}`;
    else source += char.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function readDockerignore(context: string, dockerfile?: string): IgnorePattern[] {
  const own = dockerfile === undefined ? undefined : `${dockerfile}.dockerignore`;
  const file = own !== undefined && existsSync(own) ? own : join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const cleaned = posix.normalize((exception ? line.slice(1) : line).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      return { regex: patternRegex(cleaned), exception };
    });
}

/** Docker's rule: a path is excluded when the last pattern matching it, or one of its parent folders, excludes. */
export function isExcluded(path: string, patterns: IgnorePattern[]): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    if (prefixes.some((prefix) => pattern.regex.test(prefix))) excluded = !pattern.exception;
  }
  return excluded;
}

/** Relative paths (posix) of every file and folder the build would see, with their stat. */
export function contextEntries(context: string, dockerfile?: string): Map<string, { directory: boolean; mode: number }> {
  const patterns = readDockerignore(context, dockerfile);
  const entries = new Map<string, { directory: boolean; mode: number }>();
  const walk = (relative: string) => {
    for (const name of readdirSync(join(context, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (isExcluded(path, patterns)) continue;
      const stat = statSync(join(context, path));
      entries.set(path, { directory: stat.isDirectory(), mode: stat.mode & 0o7777 });
      if (stat.isDirectory()) walk(path);
    }
  };
  walk('');
  return entries;
}

/**
 * The build-context path that the Dockerfile's COPY instructions put at `containerPath` (the last COPY wins),
 * or undefined when no COPY writes there. Used to find the entrypoint script among the project's files.
 */
export function contextSourceOf(instructions: Instruction[], containerPath: string): string | undefined {
  let workdir = '/';
  let found: string | undefined;
  for (const { keyword, text } of instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, text);
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const copy = copyArguments(text);
    if (copy.from) continue;
    const destination = posix.resolve(workdir, copy.destination);
    const intoFolder = copy.destination.endsWith('/') || copy.destination === '.' || copy.sources.length > 1;
    for (const source of copy.sources) {
      const relative = contextPath(source);
      const fileTarget = intoFolder ? posix.join(destination, posix.basename(relative)) : destination;
      if (relative !== '' && containerPath === fileTarget) found = relative;
      else if (containerPath.startsWith(`${destination}/`)) found = posix.join(relative, containerPath.slice(destination.length + 1));
    }
  }
  return found;
}
