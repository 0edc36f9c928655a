import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root (holding package.json and templates/), from the sources or from the bundle in dist/. */
export function packageRoot(): string {
  return (root ??= findPackageRoot());
}

function findPackageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json')) || !existsSync(join(folder, 'templates'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('generator-copilot-django: cannot find the package root (templates/)');
    folder = parent;
  }
  return folder;
}

export const templatesRoot = (): string => join(packageRoot(), 'templates');

let version: string | undefined;

/** This package's version (package.json): printed by --version and recorded in .yo-rc.json by every run. */
export function packageVersion(): string {
  return (version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}
