/**
 * Finds the Django project a team already has: `manage.py` at the root or one folder down, the settings modules its
 * entry points name, the WSGI application, the requirements and the Django release. Reads files only; never changes them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { requirementsWithIncludes } from './requirements.js';
import { findEnvironmentReads, type EnvironmentRead } from './settings-environment.js';
import { AnswersError } from './answers.js';
import type { Answers } from './questions.js';
import { pythonImage, VERSIONS, type DjangoPython } from './versions.js';

export interface ExistingProject {
  /** Folder holding manage.py, relative to the repository root ('.' for the root). */
  dir: string;
  /** The team's settings module the deployment settings import (`--settings`; chooseSettings). */
  baseSettingsModule: string;
  /** gunicorn's `module:callable` (`--wsgi`; chooseWsgi). */
  wsgiApplication: string;
  /** Relative to `dir`; undefined when the project has none (ours is written then). */
  requirements?: { file: string; kind: 'txt' | 'pyproject' };
  /** The environment variables the settings read (settingsSources, settings-environment.ts). */
  environmentReads: EnvironmentRead[];
  /** The Django release the requirements pin or allow at newest, e.g. "4.2" (djangoRelease); undefined when unpinned. */
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

/** A dotted module name in a string literal: `'shop.settings.production'`. */
const MODULE_LITERAL = /(["'])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\1/g;
const WSGI_IN_SETTINGS = /^WSGI_APPLICATION\s*=\s*["']([A-Za-z_][\w.]*)["']/m;
/** A settings module's last part that says production: production, prod, prod_settings, settings_production. */
const PRODUCTION_NAME = /^(?:prod|production)(?:_|$)|_(?:prod|production)$/;
/** What a settings module holds and other modules do not. */
const LOOKS_LIKE_SETTINGS = /^(?:INSTALLED_APPS|DATABASES|SECRET_KEY|ROOT_URLCONF|MIDDLEWARE)\s*[=+]|^from\s+\.?[\w.]*\s+import\s+\*/m;

/** The file of a module inside the project, or undefined when the repository has no such module. */
export function moduleFile(projectDir: string, module: string): string | undefined {
  const base = join(projectDir, ...module.split('.'));
  if (existsSync(`${base}.py`)) return `${base}.py`;
  if (existsSync(join(base, '__init__.py'))) return join(base, '__init__.py');
  return undefined;
}

/** Python source without its comment lines: a module named in a comment is no candidate. */
const withoutComments = (text: string) => text.replace(/^\s*#.*$/gm, '');

/** manage.py, and the wsgi.py and asgi.py of the packages next to it: the files that name the settings module. */
function entryFiles(projectDir: string): string[] {
  const files = [join(projectDir, 'manage.py')];
  for (const entry of readdirSync(projectDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    for (const name of ['wsgi.py', 'asgi.py']) {
      if (existsSync(join(projectDir, entry.name, name))) files.push(join(projectDir, entry.name, name));
    }
  }
  return files;
}

/** In a settings package (settings/base.py, settings/production.py), the production module next to `module`. */
function productionSibling(projectDir: string, module: string): string | undefined {
  const parent = module.split('.').slice(0, -1).join('.');
  for (const packageModule of [module, parent].filter(Boolean)) {
    if (!moduleFile(projectDir, packageModule)?.endsWith('__init__.py')) continue;
    for (const name of ['production', 'prod']) {
      if (moduleFile(projectDir, `${packageModule}.${name}`)) return `${packageModule}.${name}`;
    }
  }
  return undefined;
}

export interface SettingsChoice {
  /** The settings module to deploy, when the repository decides it. */
  module?: string;
  /** The settings modules that manage.py, wsgi.py or asgi.py name and the repository holds, with production siblings. */
  candidates: string[];
  /** Why the run cannot choose: asked at the prompt, refused under --yes. */
  doubt?: string;
}

/**
 * The settings module to deploy. Only modules the repository holds are candidates: those named in manage.py, wsgi.py
 * or asgi.py (however the code picks between them), and the production module of a settings package. One candidate,
 * or one production module among them, decides; anything else is a doubt.
 */
export function chooseSettings(projectDir: string): SettingsChoice {
  const named = new Set<string>();
  for (const file of entryFiles(projectDir)) {
    if (!existsSync(file)) continue;
    for (const match of withoutComments(readFileSync(file, 'utf8')).matchAll(MODULE_LITERAL)) {
      const module = match[2];
      const path = moduleFile(projectDir, module);
      if (!path) continue;
      if (!/settings/i.test(module) && !LOOKS_LIKE_SETTINGS.test(readFileSync(path, 'utf8'))) continue;
      named.add(module);
    }
  }
  const candidates = [...named];
  for (const module of named) {
    const production = productionSibling(projectDir, module);
    if (production && !candidates.includes(production)) candidates.push(production);
  }
  candidates.sort();
  const production = candidates.filter((module) => PRODUCTION_NAME.test(module.split('.').pop()!));
  if (production.length === 1) return { module: production[0], candidates };
  if (candidates.length === 1) return { module: candidates[0], candidates };
  if (candidates.length === 0) {
    return { candidates, doubt: 'manage.py, wsgi.py and asgi.py name no settings module that the repository holds' };
  }
  return { candidates, doubt: `manage.py, wsgi.py and asgi.py name several settings modules (${candidates.join(', ')}) and not one production module among them` };
}

export interface WsgiChoice {
  /** gunicorn's `module:callable`. */
  application?: string;
  doubt?: string;
}

/** `module:callable` of an existing module that defines the callable; else why not. */
export function checkWsgi(projectDir: string, application: string): string | undefined {
  const [module, callable] = application.split(':');
  const file = moduleFile(projectDir, module);
  if (!file) return `the repository holds no module ${module}`;
  const defines = new RegExp(`^(?:${callable}\\s*=|def\\s+${callable}\\b)`, 'm');
  return defines.test(readFileSync(file, 'utf8')) ? undefined : `${module} defines no ${callable}`;
}

/**
 * The WSGI application gunicorn runs: WSGI_APPLICATION of the settings (or of a module of their settings package),
 * else the one wsgi.py next to manage.py. Only an application the repository defines.
 */
export function chooseWsgi(projectDir: string, settingsModule: string): WsgiChoice {
  const file = moduleFile(projectDir, settingsModule);
  const folder = file ? dirname(file) : undefined;
  const inPackage = folder !== undefined && (file!.endsWith('__init__.py') || existsSync(join(folder, '__init__.py')));
  const settingsFiles = [file, ...(inPackage ? readdirSync(folder).filter((name) => name.endsWith('.py')).sort().map((name) => join(folder, name)) : [])];
  for (const candidate of settingsFiles) {
    if (!candidate) continue;
    const match = WSGI_IN_SETTINGS.exec(readFileSync(candidate, 'utf8'));
    if (!match) continue;
    const parts = match[1].split('.');
    const application = `${parts.slice(0, -1).join('.')}:${parts[parts.length - 1]}`;
    if (!checkWsgi(projectDir, application)) return { application };
  }
  const wsgiFiles = entryFiles(projectDir).filter((path) => path.endsWith('wsgi.py'));
  const applications = wsgiFiles.map((path) => `${basename(dirname(path))}.wsgi:application`).filter((application) => !checkWsgi(projectDir, application));
  if (applications.length === 1) return { application: applications[0] };
  return {
    doubt:
      applications.length === 0
        ? `neither ${settingsModule} (WSGI_APPLICATION) nor a wsgi.py next to manage.py names a WSGI application the repository defines`
        : `several wsgi.py define an application (${applications.join(', ')}) and ${settingsModule} sets no WSGI_APPLICATION`,
  };
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

const IMPORT = /^\s*from\s+(\.*)([\w.]*)\s+import\s+(\*|[\w, ()]+)/gm;

/**
 * The source of a settings module and of the project's modules it imports from (`from .base import *`,
 * `from config.settings.components import env`), with the other modules of a settings package: the files whose
 * environment reads run when the settings load. Paths relative to `root`.
 */
export function settingsSources(root: string, projectDir: string, module: string): Array<{ file: string; text: string }> {
  const seen = new Map<string, string>();
  const queue = [module];
  const first = moduleFile(projectDir, module);
  const folder = first ? dirname(first) : undefined;
  if (folder && /settings/i.test(basename(folder)) && existsSync(join(folder, '__init__.py'))) {
    const packageModule = relative(projectDir, folder).split(sep).join('.');
    queue.push(...readdirSync(folder).filter((name) => name.endsWith('.py') && name !== '__init__.py').sort().map((name) => `${packageModule}.${name.slice(0, -3)}`));
  }
  while (queue.length > 0 && seen.size < 40) {
    const current = queue.shift()!;
    const file = moduleFile(projectDir, current);
    if (!file || seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    const isPackage = file.endsWith('__init__.py');
    for (const [, dots, name, imported] of text.matchAll(IMPORT)) {
      const base = dots ? current.split('.').slice(0, isPackage ? current.split('.').length + 1 - dots.length : -dots.length) : [];
      const target = [...base, ...(name ? name.split('.') : [])].join('.');
      if (target) queue.push(target);
      // `from . import base`, `from .components import env`: each name may be a module of its own.
      if (imported !== '*') for (const part of imported.replace(/[()]/g, '').split(',')) if (part.trim()) queue.push(`${target ? `${target}.` : ''}${part.trim().split(/\s+/)[0]}`);
    }
  }
  return [...seen].map(([file, text]) => ({ file: relative(root, file).split(sep).join('/'), text }));
}

/** Django releases, oldest first, with the Python each runs on (versions.ts). */
export const DJANGO_PYTHON: ReadonlyArray<DjangoPython> = VERSIONS.python.byDjango;
/** The oldest Django the deployment settings run on. */
export const OLDEST_DJANGO = DJANGO_PYTHON[0][0];

const DJANGO_REQUIREMENT = /^\s*["']?django\s*(?:\[[^\]]*\])?\s*((?:(?:==|~=|>=|<=|!=|<|>)\s*[\d.*]+\s*,?\s*)+)/im;
const SPECIFIER = /(==|~=|>=|<=|!=|<|>)\s*(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?/g;

const release = (version: string) => version.split('.').map(Number) as [number, number];
const compare = ([a, b]: [number, number], [c, d]: [number, number]) => a - c || b - d;

/**
 * The Django release (major.minor) a requirement pins or allows at newest: `Django==3.2.25` → 3.2, `Django>=4.2,<5.0`
 * → 4.2, `Django<3` → 2.2, `Django~=4.1.0` → 4.1. Undefined when the requirements name no Django version.
 */
export function djangoRelease(requirements: string): string | undefined {
  const requirement = DJANGO_REQUIREMENT.exec(requirements)?.[1];
  if (!requirement) return undefined;
  const checks: Array<(version: [number, number]) => boolean> = [];
  let exact: string | undefined;
  for (const [, operator, majorText, minorText, patchText] of requirement.matchAll(SPECIFIER)) {
    const major = Number(majorText);
    const wildcardMajor = minorText === '*' || minorText === undefined;
    const version: [number, number] = [major, wildcardMajor ? 0 : Number(minorText)];
    const patch = patchText === undefined || patchText === '*' ? 0 : Number(patchText);
    if (operator === '==' && wildcardMajor) checks.push(([a]) => a === major);
    else if (operator === '==') {
      exact = `${version[0]}.${version[1]}`;
      checks.push((candidate) => compare(candidate, version) === 0);
    } else if (operator === '~=') {
      // ~=4.2 allows 4.x from 4.2; ~=4.2.1 allows 4.2.x from 4.2.1.
      checks.push((candidate) => compare(candidate, version) >= 0 && (patchText === undefined ? candidate[0] === major : compare(candidate, version) === 0));
    } else if (operator === '>=' || operator === '>') checks.push((candidate) => compare(candidate, version) >= 0);
    else if (operator === '<=') checks.push((candidate) => compare(candidate, version) <= 0);
    // <4.2.5 still allows 4.2.0 to 4.2.4; <4.2 does not allow 4.2.
    else if (operator === '<') checks.push((candidate) => (patch > 0 ? compare(candidate, version) <= 0 : compare(candidate, version) < 0));
  }
  const allowed = DJANGO_PYTHON.map(([django]) => django).filter((django) => checks.every((check) => check(release(django))));
  return allowed.pop() ?? exact;
}

/** The Python image for a Django release: the newest Python that release supports (the newest release's when unknown or newer). */
export function pythonImageFor(django: string | undefined): string {
  const known = DJANGO_PYTHON.find(([version]) => version === django);
  const newest = django !== undefined && compare(release(django), release(DJANGO_PYTHON[DJANGO_PYTHON.length - 1][0])) > 0;
  const python = known?.[1] ?? (newest || django === undefined ? DJANGO_PYTHON[DJANGO_PYTHON.length - 1][1] : DJANGO_PYTHON[0][1]);
  return pythonImage(python);
}

/** A Django release older than the deployment settings support. */
export function tooOldDjango(django: string | undefined): boolean {
  return django !== undefined && compare(release(django), release(OLDEST_DJANGO)) < 0;
}

/**
 * The team's project in `dir`: its requirements and Django release. The settings module and WSGI application are
 * answers (`--settings`, `--wsgi`), defaulted from chooseSettings and chooseWsgi, and joined in by the generator.
 */
export function detectProject(root: string, dir: string): Omit<ExistingProject, 'baseSettingsModule' | 'wsgiApplication' | 'environmentReads'> | undefined {
  const projectDir = join(root, dir);
  if (!existsSync(join(projectDir, 'manage.py'))) return undefined;
  const requirements = findRequirements(projectDir);
  const requirementsText = requirements ? requirementsWithIncludes(join(projectDir, requirements.file)) : '';
  return { dir, requirements, djangoVersion: djangoRelease(requirementsText) };
}

/**
 * Whether the team's own Django project is deployed (decided by the first run: `storedExisting`, kept by re-runs even
 * when a stored answer was broken by hand since), and which one: the settings module and WSGI application must be in
 * the repository, the Django release one the deployment settings support. Refuses, naming the flag, what cannot be.
 */
export function resolveProject(
  root: string,
  { djangoDir, settings, wsgi }: Pick<Answers, 'djangoDir' | 'settings' | 'wsgi'>,
  storedExisting: boolean | undefined,
): { existing: boolean; project?: ExistingProject } {
  const found = detectProject(root, djangoDir);
  const existing = storedExisting ?? found !== undefined;
  if (existing && !found) {
    throw new AnswersError(`--django-dir ${JSON.stringify(djangoDir)} is refused: it must be the folder holding the project's manage.py, and ${djangoDir}/manage.py is missing.`);
  }
  const elsewhere = findManagePyFolders(root).filter((folder) => folder !== djangoDir);
  if (!existing && storedExisting === undefined && elsewhere.length > 0) {
    throw new AnswersError(`--django-dir ${JSON.stringify(djangoDir)} is refused: it must be the folder holding manage.py (found: ${elsewhere.join(', ')}).`);
  }
  if (!existing || !found) {
    for (const [flag, value] of [['settings', settings], ['wsgi', wsgi]] as const) {
      if (value !== '') throw new AnswersError(`--${flag} ${JSON.stringify(value)} is refused: it names a module of an existing Django project, and this run writes a new one in ${djangoDir}/.`);
    }
    return { existing };
  }
  const projectDir = join(root, djangoDir);
  const prefix = djangoDir === '.' ? '' : `${djangoDir}/`;
  const within = (module: string) => `${prefix}${module.split('.').join('/')}`;
  if (settings === '') throw new AnswersError(`--settings is needed: ${chooseSettings(projectDir).doubt ?? 'no settings module was chosen'}. Pass --settings.`);
  if (!moduleFile(projectDir, settings)) {
    throw new AnswersError(`--settings ${JSON.stringify(settings)} is refused: it must be a settings module the repository holds, and neither ${within(settings)}.py nor ${within(settings)}/__init__.py exists.`);
  }
  if (wsgi === '') throw new AnswersError(`--wsgi is needed: ${chooseWsgi(projectDir, settings).doubt ?? 'no WSGI application was chosen'}. Pass --wsgi.`);
  const wsgiProblem = checkWsgi(projectDir, wsgi);
  if (wsgiProblem) throw new AnswersError(`--wsgi ${JSON.stringify(wsgi)} is refused: it must name a WSGI application the repository defines, and ${wsgiProblem}.`);
  if (tooOldDjango(found.djangoVersion)) {
    throw new AnswersError(`Django ${found.djangoVersion} (${prefix}${found.requirements?.file}) is refused: the deployment settings need Django ${OLDEST_DJANGO} or newer. Upgrade Django first.`);
  }
  const environmentReads = findEnvironmentReads(settingsSources(root, projectDir, settings));
  return { existing, project: { ...found, baseSettingsModule: settings, wsgiApplication: wsgi, environmentReads } };
}
