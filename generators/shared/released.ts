/**
 * What a released version of this package rendered from: released/<version>/ holds its templates as its commit had
 * them (scripts/released-templates.mjs writes them from git history), and RELEASED below what its plan gave
 * differently from today's. With them a re-run renders exactly what that version wrote from the stored answers: the
 * merge base of a project it generated, even one whose .yo-rc.json records nothing of what was written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot, packageVersion, templatesRoot } from './paths.js';
import type { TemplateContext } from './plan.js';

/** A template's text; undefined: the version had no such template, so wrote no such file. */
export type TemplateSource = (template: string) => string | undefined;

interface Release {
  /** The values of today's plan that this version's plan computed otherwise, as it computed them. */
  context: (today: TemplateContext) => Partial<TemplateContext>;
}

/** The released versions whose templates the package keeps, oldest first. */
const RELEASED: Record<string, Release> = {
  '0.1.0': {
    context: (today) => ({ settingsModule: today.existingProject ? 'copilot_deploy.settings' : 'config.settings' }),
  },
};

/** The version that wrote a project whose .yo-rc.json records none: the first release recorded nothing. */
export const UNRECORDED_VERSION = '0.1.0';

/** Where `version`'s templates are: released/<version>/, or templates/ for this version. */
function folderOf(version: string | undefined): string {
  return version === undefined ? templatesRoot() : join(packageRoot(), 'released', version);
}

/** This version, or a released one this package keeps; undefined for any other (a newer one, say). */
function known(version: string): string | undefined | false {
  if (version === packageVersion()) return undefined;
  return version in RELEASED ? version : false;
}

export interface VersionTemplates {
  read: TemplateSource;
  /** The absolute path of a template, for EJS's cache and error messages. */
  path: (template: string) => string;
  /** Today's plan values as the version computed them. */
  context: (today: TemplateContext) => TemplateContext;
}

const cache = new Map<string, VersionTemplates>();

/** The templates `wanted` rendered from (this version's by default); undefined for a version the package does not keep. */
export function versionTemplates(wanted: string = packageVersion()): VersionTemplates | undefined {
  const version = known(wanted);
  if (version === false) return undefined;
  const key = version ?? '';
  let templates = cache.get(key);
  if (templates) return templates;
  const texts = new Map<string, string | undefined>();
  const path = (template: string) => join(folderOf(version), template);
  templates = {
    path,
    read: (template) => {
      if (!texts.has(template)) texts.set(template, existsSync(path(template)) ? readFileSync(path(template), 'utf8') : undefined);
      return texts.get(template);
    },
    context: (today) => (version === undefined ? today : { ...today, ...RELEASED[version].context(today) }),
  };
  cache.set(key, templates);
  return templates;
}
