#!/usr/bin/env node
/**
 * Regenerates test/data/copilot-job/: what Copilot's own code makes of the scheduled job manifest `--jobs` writes,
 * for each variant below and each environment: the CloudFormation template `copilot job package` renders, after
 * Copilot's YAML-patch overrider applied the job's overrides/cfn.patches.yml, and its parameters.
 *
 * scripts/copilot-job/main.go is built inside the copilot-render checker's vendored copilot-cli source
 * (../shared/tools/copilot-render: its build.sh lays out $BUILD_DIR/src, default /tmp/copilot-render-build); it
 * parses, interpolates, validates and renders the manifest with copilot-cli's manifest, stack and override packages.
 * CI cannot build it, so the tests read only the files written here.
 *
 *   npm run build && node scripts/copilot-job.mjs [--build-dir /tmp/copilot-render-build]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/generators/cli.js');
const flag = process.argv.indexOf('--build-dir');
const buildDir = flag > 0 ? process.argv[flag + 1] : process.env.BUILD_DIR || '/tmp/copilot-render-build';
const src = join(buildDir, 'src');
if (!existsSync(cli)) throw new Error('run `npm run build` first');
if (!existsSync(join(src, 'vendor/modules.txt'))) throw new Error(`no vendored copilot-cli source in ${src}: run ../shared/tools/copilot-render/build.sh first`);

// Build the job checker inside copilot-cli's module (its internal packages are importable only from there).
mkdirSync(join(src, 'cmd/jobcheck'), { recursive: true });
copyFileSync(join(root, 'scripts/copilot-job/main.go'), join(src, 'cmd/jobcheck/main.go'));
const bin = join(buildDir, 'bin', 'jobcheck');
const goEnv = { ...process.env, PATH: `/usr/lib/go-1.22/bin:${process.env.PATH}`, GOPROXY: 'off', GOFLAGS: '-mod=vendor', GOTOOLCHAIN: 'local', GO111MODULE: 'on', GONOSUMDB: '*', GOCACHE: join(buildDir, 'gocache') };
execFileSync('go', ['build', '-o', bin, './cmd/jobcheck'], { cwd: src, env: goEnv, stdio: 'inherit' });

const variants = [
  { name: 'new-project', flags: ['--domain', 'example.com', '--branches', 'develop:dev,main:prod', '--spot', '--jobs'] },
  { name: 'no-domain', flags: ['--allow-http', '--branches', 'main:staging', '--jobs'] },
  { name: 'with-worker', flags: ['--domain', 'example.com', '--branches', 'main:prod', '--jobs', '--worker', 'celery'] },
];

const out = join(root, 'test/data/copilot-job');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const index = [];
for (const variant of variants) {
  const project = mkdtempSync(join(tmpdir(), 'copilot-job-'));
  execFileSync(process.execPath, [cli, '--yes', '--app', 'demo', '--repository', 'https://github.com/example/demo', ...variant.flags], { cwd: project, stdio: 'ignore' });
  const stored = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-copilot-django'];
  const environments = stored.branches.split(',').map((pair) => pair.split(':')[1]);
  const job = 'housekeeping';
  const manifest = readFileSync(join(project, 'copilot', job, 'manifest.yml'), 'utf8');
  const patches = readFileSync(join(project, 'copilot', job, 'overrides/cfn.patches.yml'), 'utf8');
  const rendered = {};
  for (const environment of environments) {
    // Copilot interpolates ${VAR} from the process environment: a clean one, as in CodeBuild.
    const run = execFileSync(bin, [join('copilot', job, 'manifest.yml'), environment, 'demo', join('copilot', job, 'overrides')], {
      cwd: project,
      env: {},
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
    const file = `${variant.name}.${environment}.stack.yml`;
    writeFileSync(join(out, file), run);
    rendered[environment] = file;
  }
  // The parameters go to stderr as `param KEY=VALUE` lines: run once more per environment to keep them.
  const parameters = {};
  for (const environment of environments) {
    const result = execFileSync('sh', ['-c', '"$0" "$@" 2>&1 >/dev/null', bin, join('copilot', job, 'manifest.yml'), environment, 'demo', join('copilot', job, 'overrides')], { cwd: project, env: {}, encoding: 'utf8' });
    parameters[environment] = Object.fromEntries(result.split('\n').filter((line) => line.startsWith('param ')).map((line) => line.slice(6).split(/=(.*)/s).slice(0, 2)));
  }
  index.push({ variant: variant.name, flags: variant.flags, job, manifest, patches, rendered, parameters });
  rmSync(project, { recursive: true, force: true });
}
writeFileSync(join(out, 'index.json'), `${JSON.stringify({ note: 'written by scripts/copilot-job.mjs from copilot-cli code; do not edit', variants: index }, null, 2)}\n`);
console.log(`test/data/copilot-job: ${index.length} variants`);
