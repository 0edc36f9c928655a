/**
 * Django projects nobody here wrote, made the way teams make them: `django-admin startproject` (Debian's Django
 * 4.2), the field report's layout (apps/ holding manage.py, config/ and requirements.txt), a settings package.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from './generate.js';
import { PYTHON } from './programs.js';

export function startproject(name: string, folder: string): void {
  mkdirSync(folder, { recursive: true });
  execFileSync(PYTHON, ['-m', 'django', 'startproject', name, folder]);
}

/** The three layouts of the issue, each in a git repository with one commit. */
export const LAYOUTS: Record<string, (root: string) => void> = {
  startproject: (root) => startproject('mysite', root),
  'field report (apps/)': (root) => {
    startproject('config', join(root, 'apps'));
    writeFileSync(join(root, 'apps/requirements.txt'), 'Django==4.2.11\n');
  },
  'settings package': (root) => {
    startproject('shop', root);
    mkdirSync(join(root, 'shop/settings'));
    renameSync(join(root, 'shop/settings.py'), join(root, 'shop/settings/base.py'));
    writeFileSync(join(root, 'shop/settings/__init__.py'), '');
    const base = readFileSync(join(root, 'shop/settings/base.py'), 'utf8').replace('.resolve().parent.parent', '.resolve().parent.parent.parent');
    writeFileSync(join(root, 'shop/settings/base.py'), base);
    writeFileSync(join(root, 'shop/settings/production.py'), 'from .base import *  # noqa\n\nDEBUG = False\nALLOWED_HOSTS = ["shop.example.com"]\n');
    const managePy = readFileSync(join(root, 'manage.py'), 'utf8').replace("'shop.settings'", "'shop.settings.base'");
    writeFileSync(join(root, 'manage.py'), managePy);
    mkdirSync(join(root, 'requirements'));
    writeFileSync(join(root, 'requirements/base.txt'), 'Django>=4.2,<5.0\n');
    writeFileSync(join(root, 'requirements/production.txt'), '-r base.txt\ngunicorn==22.0.0\n');
  },
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
}

export function userRepository(layout: string): string {
  const root = temporaryFolder('existing-');
  LAYOUTS[layout](root);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'the team\'s project');
  return root;
}
