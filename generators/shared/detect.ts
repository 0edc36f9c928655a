/**
 * Finds the Django project a team already has: `manage.py` at the root or one folder down, the settings module it
 * names, the WSGI application, the requirements and the Django version. Reads files only; never changes them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

export interface ExistingProject {
  /** Folder holding manage.py, relative to the repository root ('.' for the root). */
  dir: string;
  /** DJANGO_SETTINGS_MODULE as manage.py sets it. */
  settingsModule: string;
  /** The module the deployment settings import: a production module next to it when there is one. */
  baseSettingsModule: string;
  /** gunicorn's `module:callable`. */
  wsgiApplication: string;
  /** Relative to `dir`; undefined when the project has none (ours is written then). */
  requirements?: { file: string; kind: 'txt' | 'pyproject' };
  /** From the requirements' Django pin, e.g. "4.2"; undefined when unpinned. */
  djangoVersion?: string;
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'venv', 'env', 'site-packages', '__pycache__', 'copilot', 'nginx', 'dist', 'build']);

/** Folders (relative, POSIX) holding a manage.py: the root and its direct subfolders. */
export function findManagePyFolders(root: string): string[] {
  const found = existsSync(join(root, 'manage.py')) ? ['.'] : [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    if (existsSync(join(root, entry.name, 'manage.py'))) found.push(entry.name);
  }
  return found;
}

const SETTINGS_IN_MANAGE = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']/;
const WSGI_IN_SETTINGS = /^WSGI_APPLICATION\s*=\s*["']([A-Za-z_][\w.]*)["']/m;

function moduleFile(projectDir: string, module: string): string | undefined {
  const base = join(projectDir, ...module.split('.'));
  if (existsSync(`${base}.py`)) return `${base}.py`;
  if (existsSync(join(base, '__init__.py'))) return join(base, '__init__.py');
  return undefined;
}

/** In a settings package (settings/base.py, settings/production.py), deploy from the production module. */
function productionSettings(projectDir: string, settingsModule: string): string {
  const parent = settingsModule.split('.').slice(0, -1).join('.');
  const candidates = [settingsModule, parent].filter(Boolean);
  for (const packageModule of candidates) {
    const file = moduleFile(projectDir, packageModule);
    if (!file?.endsWith('__init__.py')) continue;
    for (const name of ['production', 'prod']) {
      if (moduleFile(projectDir, `${packageModule}.${name}`)) return `${packageModule}.${name}`;
    }
  }
  return settingsModule;
}

/** WSGI_APPLICATION from the settings (or a sibling module of a settings package), else `<package>/wsgi.py`. */
function wsgiApplication(projectDir: string, settingsModule: string): string {
  const file = moduleFile(projectDir, settingsModule);
  const folder = file ? dirname(file) : undefined;
  const candidates = [file, ...(folder && file?.endsWith('__init__.py') ? readdirSync(folder).filter((name) => name.endsWith('.py')).map((name) => join(folder, name)) : [])];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const match = WSGI_IN_SETTINGS.exec(readFileSync(candidate, 'utf8'));
    if (match) {
      const parts = match[1].split('.');
      return `${parts.slice(0, -1).join('.')}:${parts[parts.length - 1]}`;
    }
  }
  const topPackage = settingsModule.split('.')[0];
  return `${topPackage}.wsgi:application`;
}

function findRequirements(projectDir: string): ExistingProject['requirements'] {
  if (existsSync(join(projectDir, 'requirements.txt'))) return { file: 'requirements.txt', kind: 'txt' };
  const folder = join(projectDir, 'requirements');
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const files = readdirSync(folder).filter((name) => name.endsWith('.txt')).sort();
    const preferred = ['production.txt', 'prod.txt', 'base.txt', 'common.txt'].find((name) => files.includes(name)) ?? (files.length === 1 ? files[0] : undefined);
    if (preferred) return { file: posix.join('requirements', preferred), kind: 'txt' };
  }
  const pyproject = join(projectDir, 'pyproject.toml');
  if (existsSync(pyproject) && /^\s*dependencies\s*=\s*\[/m.test(readFileSync(pyproject, 'utf8'))) return { file: 'pyproject.toml', kind: 'pyproject' };
  return undefined;
}

const DJANGO_PIN = /^\s*["']?django\s*(?:\[[^\]]*\])?\s*(?:==|~=|>=)\s*(\d+\.\d+)/im;

export function detectProject(root: string, dir: string): ExistingProject | undefined {
  const projectDir = join(root, dir);
  const managePy = join(projectDir, 'manage.py');
  if (!existsSync(managePy)) return undefined;
  const match = SETTINGS_IN_MANAGE.exec(readFileSync(managePy, 'utf8'));
  const settingsModule = match?.[1] ?? 'config.settings';
  const requirements = findRequirements(projectDir);
  const requirementsText = requirements ? readFileSync(join(projectDir, requirements.file), 'utf8') : '';
  return {
    dir,
    settingsModule,
    baseSettingsModule: productionSettings(projectDir, settingsModule),
    wsgiApplication: wsgiApplication(projectDir, settingsModule),
    requirements,
    djangoVersion: DJANGO_PIN.exec(requirementsText)?.[1],
  };
}
