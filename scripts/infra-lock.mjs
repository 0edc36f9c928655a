#!/usr/bin/env node
/**
 * Regenerates templates/infra/package-lock.json: the lockfile of the CDK app's infra/package.json, resolved by npm
 * from the pins versions.ts gives it, so that `npm ci` works in a generated infra/ (and in its pipelines' synth step)
 * before anyone ran `npm install`. The app's name is the one thing that varies: it is printed from the answers.
 * Needs the npm registry; run it after changing a pin in versions.ts (test/cdk.test.ts fails until then).
 *
 *   npm run build && node scripts/infra-lock.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/generators/cli.js');
const APP = 'lockfile';

const project = mkdtempSync(join(tmpdir(), 'infra-lock-'));
execFileSync('git', ['init', '-q'], { cwd: project });
execFileSync(process.execPath, [cli, '--yes', '--app', APP, '--allow-http', '--branches', 'main:prod', '--target', 'cdk'], { cwd: project, stdio: 'ignore' });
const infra = join(project, 'infra');
// The lockfile as it is generated: without the registry's address (npm then takes the user's), with integrity hashes.
execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--omit-lockfile-registry-resolved'], { cwd: infra, stdio: 'inherit' });
const lock = readFileSync(join(infra, 'package-lock.json'), 'utf8');
const name = JSON.stringify(`${APP}-infra`);
if (lock.split(name).length !== 3) throw new Error(`expected the app's name twice in the lockfile, as its "name" and its root package's`);
writeFileSync(join(root, 'templates/infra/package-lock.json'), lock.replaceAll(`"name": ${name}`, '"name": "<%= app %>-infra"'));
console.log(`templates/infra/package-lock.json: ${Object.keys(JSON.parse(lock).packages).length - 1} packages`);
