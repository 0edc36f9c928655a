/**
 * The option sets the generated project is proven with, in the task simulation and the static checks:
 * Spot on and off, with and without a domain, one, two and three branches, default and custom service names.
 * `environment` is the one whose manifest override the simulated task runs with.
 */
const REPOSITORY = 'https://github.com/example/demo';

export interface OptionSet {
  label: string;
  flags: Record<string, unknown>;
  environment: string;
}

export const OPTION_SETS: OptionSet[] = [
  {
    label: 'domain, Spot, two branches',
    flags: { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: REPOSITORY },
    environment: 'dev',
  },
  {
    label: 'no domain, no Spot, three branches, service "web"',
    flags: { app: 'shop', service: 'web', domain: '', branches: 'develop:dev,staging:stage,main:prod', spot: false, repository: REPOSITORY },
    environment: 'prod',
  },
  {
    label: 'domain, no Spot, one branch',
    flags: { app: 'blog', domain: 'example.org', branches: 'main:prod', spot: false, repository: REPOSITORY },
    environment: 'prod',
  },
];

/** One more for the static checks, which are cheap: no domain with Spot on one branch. */
export const STATIC_OPTION_SETS: OptionSet[] = [
  ...OPTION_SETS,
  {
    label: 'no domain, Spot, one branch',
    flags: { app: 'tiny', domain: '', branches: 'main:live', spot: true, repository: REPOSITORY },
    environment: 'live',
  },
];
