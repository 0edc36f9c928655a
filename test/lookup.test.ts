/**
 * `yo copilot-django` finds the generator by yeoman-environment's lookup, which also scans `generators/*\/index.ts`
 * (Node 20 cannot import TypeScript) and `./*\/index.*`; its single-result form returns the first match. Only the
 * JavaScript entry points may match, in a clone (`npm link`) as in the published package.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnv, lookupGenerator } from 'yeoman-environment';
import { ROOT } from './support/generate.js';

/** The package as npm link or a global install names it. */
function linkedPackage(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lookup-')), 'generator-copilot-django');
  symlinkSync(ROOT, path);
  return path;
}

test('the full lookup registers exactly our JavaScript entry points', async () => {
  const packagePath = linkedPackage();
  const env = createEnv({ cwd: ROOT });
  const found = await env.lookup({ packagePaths: [packagePath] });
  expect(found.map((meta) => [meta.namespace, meta.resolved])).toEqual([
    ['copilot-django:app', join(ROOT, 'generators', 'app', 'index.js')],
    ['copilot-django:env', join(ROOT, 'generators', 'env', 'index.js')],
  ]);
});

test('the single-result lookup finds the JavaScript entry point, and it imports on this Node', async () => {
  const found = lookupGenerator('copilot-django:app', { packagePaths: [linkedPackage()] }) as string;
  expect(found).toMatch(/generators\/app\/index\.js$/);
  const module = await import(found);
  expect(typeof module.default).toBe('function');
});
