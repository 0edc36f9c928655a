/**
 * Which files a run writes, from which templates, under which conditions. The template tree mirrors the output:
 * `__service__`, `__environment__` and `__pipeline__` in a template path are replaced by the planned names.
 * `merge: 'yaml'` files are merged as YAML documents into what the user already has (see merge.ts); the others
 * go through Yeoman's conflict handling.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { templatesRoot } from './paths.js';
import type { EnvironmentPlan, TemplateContext } from './plan.js';

export interface PlannedFile {
  template: string;
  destination: string;
  merge?: 'yaml';
  executable?: boolean;
  /** Extra values for this file's template (the environment a per-environment file is about). */
  locals?: Record<string, unknown>;
}

interface FileGroup {
  condition?: (context: TemplateContext) => boolean;
  /** One copy of the group per environment, `__environment__`/`__pipeline__` filled in. */
  perEnvironment?: boolean;
  templates: Array<string | Omit<PlannedFile, 'destination' | 'locals'>>;
}

/** Every template under `folder`: the Django project is copied as a whole, shell scripts executable. */
function templatesUnder(folder: string): Array<Omit<PlannedFile, 'destination' | 'locals'>> {
  return readdirSync(join(templatesRoot(), folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(templatesRoot(), join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
    .map((template) => (template.endsWith('.sh') ? { template, executable: true } : { template }));
}

const groups: FileGroup[] = [
  { templates: templatesUnder('app') },
  { templates: ['nginx/Dockerfile', 'nginx/nginx.conf'] },
  {
    templates: [
      { template: 'copilot/.workspace', merge: 'yaml' },
      { template: 'copilot/__service__/manifest.yml', merge: 'yaml' },
      { template: 'docker-compose.yml', merge: 'yaml' },
      'README.md',
      '_gitignore',
    ],
  },
  { perEnvironment: true, templates: [{ template: 'copilot/environments/__environment__/manifest.yml', merge: 'yaml' }] },
  {
    perEnvironment: true,
    condition: (context) => context.source !== undefined,
    templates: [
      { template: 'copilot/pipelines/__pipeline__/manifest.yml', merge: 'yaml' },
      { template: 'copilot/pipelines/__pipeline__/buildspec.yml', merge: 'yaml' },
    ],
  },
];

function destinationOf(template: string, context: TemplateContext, environment?: EnvironmentPlan): string {
  let destination = template.replace('__service__', context.service).replace(/(^|\/)_gitignore$/, '$1.gitignore');
  if (environment) {
    destination = destination.replace('__environment__', environment.name).replace('__pipeline__', environment.pipelineName);
  }
  return destination;
}

export function planFiles(context: TemplateContext): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const group of groups) {
    if (group.condition && !group.condition(context)) continue;
    const environments = group.perEnvironment ? context.environments : [undefined];
    for (const environment of environments) {
      for (const entry of group.templates) {
        const file = typeof entry === 'string' ? { template: entry } : entry;
        files.push({
          ...file,
          destination: destinationOf(file.template, context, environment),
          ...(environment ? { locals: { environment } } : {}),
        });
      }
    }
  }
  return files;
}
