/** What users do to a generated project between runs, for the re-run tests and the task simulation. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from './generate.js';

/** Edits a team makes: a variable and a comment in the service manifest, a count, nginx's configuration. */
export function editLikeAUser(cwd: string): void {
  const manifestPath = join(cwd, 'copilot/django/manifest.yml');
  const generated = readText(cwd, 'copilot/django/manifest.yml');
  const manifest = generated
    .replace('variables:\n', 'variables:\n  # feature flag for the new checkout, see ADR-12\n  CHECKOUT_V2: "on"\n')
    // dev scaled to three Spot tasks
    .replace(/( {2}dev:\n(?: {4}#.*\n)* {4}count:\n {6}range:\n {8}min: )1\n {8}max: 1\n/, '$13\n        max: 3\n');
  if (!manifest.includes('CHECKOUT_V2') || !/min: 3\n {8}max: 3\n/.test(manifest)) throw new Error('editLikeAUser: the generated manifest no longer has the lines it edits');
  writeFileSync(manifestPath, manifest);
  appendFileSync(join(cwd, 'nginx/nginx.conf'), '# rate limits: see ops runbook\n');
}
