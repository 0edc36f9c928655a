/**
 * `--branches develop:dev,main:prod`: which branch deploys to which environment, one pipeline each.
 */
import { copilotName, gitBranchName } from './rules.js';

export interface BranchEnvironment {
  branch: string;
  environment: string;
}

/** `feature/Login_2` → `feature-login-2`: safe in a folder name and in a pipeline name. */
export function branchSlug(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function parseBranches(value: string): BranchEnvironment[] {
  return value.split(',').map((pair) => {
    const separator = pair.lastIndexOf(':');
    return { branch: pair.slice(0, separator), environment: pair.slice(separator + 1) };
  });
}

export function branchesRule(value: string): string | undefined {
  const pairs = value.split(',');
  if (value === '' || pairs.some((pair) => pair.split(':').length !== 2)) {
    return 'be a comma-separated list of branch:environment pairs, like develop:dev,main:prod';
  }
  const seenBranches = new Set<string>();
  const seenEnvironments = new Set<string>();
  const seenSlugs = new Map<string, string>();
  for (const { branch, environment } of parseBranches(value)) {
    const branchBroken = gitBranchName(branch);
    if (branchBroken) return `have a valid branch in "${branch}:${environment}": ${branch || '(empty)'} must ${branchBroken}`;
    const environmentBroken = copilotName(environment);
    if (environmentBroken) return `have a valid environment in "${branch}:${environment}": ${environment || '(empty)'} must ${environmentBroken}`;
    if (seenBranches.has(branch)) return `name each branch once (${branch} appears twice)`;
    if (seenEnvironments.has(environment)) return `give each environment its own branch (${environment} appears twice)`;
    const slug = branchSlug(branch);
    if (!slug) return `have a branch with at least one letter or digit (${branch})`;
    const clash = seenSlugs.get(slug);
    if (clash) return `have branches that make distinct pipeline names (${clash} and ${branch} both become ${slug})`;
    seenBranches.add(branch);
    seenEnvironments.add(environment);
    seenSlugs.set(slug, branch);
  }
  return undefined;
}

/** Environments named like production (prod, production, prd, live, prod-eu…): two tasks, approval before deploy. */
const PRODUCTION = /^(prod|production|prd|live)(-|$)/;

export function isProductionEnvironment(name: string): boolean {
  return PRODUCTION.test(name);
}
