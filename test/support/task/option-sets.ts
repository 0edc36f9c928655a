/**
 * The option sets the generated project is proven with, in the task simulation and the static checks:
 * Spot on and off, with and without a domain, one, two and three branches, default and custom service names.
 * `environment` is the one whose manifest override the simulated task runs with.
 */
import { generateProject, runApp } from '../generate.js';
import { userRepository } from '../existing-projects.js';
import { editLikeAUser } from '../edits.js';

const REPOSITORY = 'https://github.com/example/demo';

export interface OptionSet {
  label: string;
  flags: Record<string, unknown>;
  environment: string;
  /** A team's own Django project (support/existing-projects.ts) the generator runs in; none: a new project. */
  layout?: string;
  /** Generated with `flags`, edited as users edit (support/edits.ts), then run again with these flags added. */
  rerunWith?: Record<string, unknown>;
}

export const OPTION_SETS: OptionSet[] = [
  {
    label: 'domain, Spot, two branches',
    flags: { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: REPOSITORY },
    environment: 'dev',
  },
  {
    label: 'no domain, no Spot, three branches, service "web"',
    flags: { app: 'shop', service: 'web', domain: '', 'allow-http': true, branches: 'develop:dev,staging:stage,main:prod', spot: false, repository: REPOSITORY },
    environment: 'prod',
  },
  {
    label: 'domain, no Spot, one branch',
    flags: { app: 'blog', domain: 'example.org', branches: 'main:prod', spot: false, repository: REPOSITORY },
    environment: 'prod',
  },
];

/** A project generated, edited, and run again to add an environment: the new environment's task. */
export const RERUN_SET: OptionSet = {
  label: 're-run: staging added to an edited project',
  flags: { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: REPOSITORY },
  rerunWith: { branches: 'develop:dev,main:prod,release:staging' },
  environment: 'staging',
};

/** Teams' own projects, each deployed as the generator leaves it. */
export const EXISTING_PROJECT_SETS: OptionSet[] = [
  'startproject',
  'apps/ layout',
  'settings package',
  'own Docker setup (tutorial)',
  'settings chosen in code (cloud sample)',
  'django-environ, own gunicorn.conf.py (starter)',
].map((layout, index) => ({
  label: `existing project: ${layout}`,
  flags: { app: `team${index + 1}`, ...(index === 1 ? { domain: '', 'allow-http': true } : { domain: 'example.com' }), branches: 'develop:dev,main:prod', spot: index !== 0, repository: REPOSITORY },
  environment: 'dev',
  layout,
}));

/** One more for the static checks, which are cheap: no domain with Spot on one branch. */
export const STATIC_OPTION_SETS: OptionSet[] = [
  ...OPTION_SETS,
  RERUN_SET,
  {
    label: 'no domain, Spot, one branch',
    flags: { app: 'tiny', domain: '', 'allow-http': true, branches: 'main:live', spot: true, repository: REPOSITORY },
    environment: 'live',
  },
];

/** The folder the option set deploys: a new project generated with its flags, or a team's project it was run in. */
export async function projectFor(optionSet: OptionSet): Promise<string> {
  if (optionSet.rerunWith) {
    const folder = await generateProject(optionSet.flags);
    editLikeAUser(folder);
    await runApp({ yes: true, ...optionSet.rerunWith }, { cwd: folder });
    return folder;
  }
  if (!optionSet.layout) return generateProject(optionSet.flags);
  const root = userRepository(optionSet.layout);
  await runApp({ yes: true, ...optionSet.flags }, { cwd: root });
  return root;
}
