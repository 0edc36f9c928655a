/** What users do to a generated project between runs, for the re-run tests and the task simulation. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from './generate.js';

/** The edits of the issue: a variable and a comment in the service manifest, a count, nginx's configuration. */
export function editLikeAUser(cwd: string): void {
  const manifestPath = join(cwd, 'copilot/django/manifest.yml');
  const manifest = readText(cwd, 'copilot/django/manifest.yml')
    .replace('variables:\n', 'variables:\n  # feature flag for the new checkout, see ADR-12\n  CHECKOUT_V2: "on"\n')
    .replace('  dev:\n    count:\n      spot: 1', '  dev:\n    count:\n      spot: 3');
  writeFileSync(manifestPath, manifest);
  appendFileSync(join(cwd, 'nginx/nginx.conf'), '# rate limits: see ops runbook\n');
}
