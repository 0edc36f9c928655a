#!/usr/bin/env node
/**
 * Writes released/<version>/: the templates a released version of this package rendered from, as its commit has
 * them, so that a re-run can render exactly what that version wrote into a project (the merge base; released.ts).
 * Run it once per release, with the release's commit; released/<version>/commit names it. It reads git history, so
 * it needs the repository, not the package.
 *
 *   node scripts/released-templates.mjs <version> <commit> [--out FOLDER]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [version, commit] = process.argv.slice(2);
if (!/^\d+\.\d+\.\d+$/.test(version ?? '') || !/^[0-9a-f]{7,40}$/.test(commit ?? '')) {
  console.error('usage: node scripts/released-templates.mjs <version> <commit>');
  process.exit(2);
}

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
const fullCommit = git('rev-parse', `${commit}^{commit}`).trim();

const outFlag = process.argv.indexOf('--out');
const overlay = outFlag > 0 ? process.argv[outFlag + 1] : join(root, 'released', version);
rmSync(overlay, { recursive: true, force: true });
const templates = git('ls-tree', '-r', '--name-only', fullCommit, 'templates/').split('\n').filter(Boolean);
for (const path of templates) {
  const target = join(overlay, path.slice('templates/'.length));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, execFileSync('git', ['show', `${fullCommit}:${path}`], { cwd: root, maxBuffer: 64 << 20 }));
}
writeFileSync(join(overlay, 'commit'), `${fullCommit}\n`);
console.log(`${overlay}: the ${templates.length} templates of ${version} (${fullCommit})`);
