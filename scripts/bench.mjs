/**
 * `npm run bench`: how fast the generator starts, as ratios against baselines measured in the same run.
 * Every command runs once per round, side by side; 1 warm-up round, then ROUNDS measured ones; figures are medians
 * of wall-clock time from spawn to exit. Timings are never asserted in tests: this prints them.
 *
 * `yo` finds the package through its lookup, in node_modules/ of the project folder's parents: the bench runs `yo`
 * in folders inside a temporary one, whose node_modules/ holds the package twice over:
 *   linked      a symlink to this clone (what `npm link` does, without touching the machine's global prefix): the
 *               package's imports resolve to the node_modules/ `yo` itself loads from;
 *   installed   the packed package with a node_modules/ tree of its own (hard links to, or a copy of, ours), as
 *               `npm install -g yo generator-copilot-django` lays them out: nothing is shared with `yo`.
 * `yo` 7 run as root drops to uid 1000: then the folders it writes in (and the HOME given to it) belong to uid 1000.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = 7;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const command = join(root, packageJson.bin['copilot-django']);
const yo = realpathSync(join(root, 'node_modules', '.bin', 'yo'));
const DEMO_FLAGS = ['--yes', '--app', 'demo', '--domain', 'example.com', '--branches', 'develop:dev,main:prod', '--spot', '--repository', 'https://github.com/example/demo'];

const scratch = mkdtempSync(join(tmpdir(), 'copilot-django-bench-'));
const linked = join(scratch, 'linked');
const installed = join(scratch, 'installed');
const yoHome = join(scratch, 'home');
const yoUid = process.getuid?.() === 0 ? 1000 : undefined;
for (const folder of [linked, installed, yoHome]) mkdirSync(folder);
mkdirSync(join(linked, 'node_modules'));
symlinkSync(root, join(linked, 'node_modules', packageJson.name));
installPacked(installed);
for (const folder of [scratch, linked, installed, yoHome]) if (yoUid !== undefined) chownSync(folder, yoUid, yoUid);

/** What `npm install -g` would lay out: the packed package, with a node_modules/ tree of its own. */
function installPacked(folder) {
  const pack = spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', folder], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const packageFolder = join(folder, 'node_modules', packageJson.name);
  mkdirSync(packageFolder, { recursive: true });
  spawnSync('tar', ['-xzf', join(folder, pack.stdout.trim().split('\n').pop()), '-C', packageFolder, '--strip-components=1']);
  // Hard links take half a second; across file systems, a copy.
  const ours = realpathSync(join(root, 'node_modules'));
  const links = spawnSync('cp', ['-al', ours, join(packageFolder, 'node_modules')]);
  if (links.status !== 0) cpSync(ours, join(packageFolder, 'node_modules'), { recursive: true, verbatimSymlinks: true });
}

let folders = 0;
/** A new empty folder for one run; inside `parent`, `yo`'s lookup finds the package there. */
function emptyFolder(parent = linked) {
  const folder = join(parent, `project-${++folders}`);
  mkdirSync(folder);
  if (yoUid !== undefined) chownSync(folder, yoUid, yoUid);
  return folder;
}

/** The folder every re-run goes to: generated once with the demo flags. */
const generated = emptyFolder();
run([process.execPath, command, ...DEMO_FLAGS], generated);

const yoEnvironment = { ...process.env, HOME: yoHome, NO_UPDATE_NOTIFIER: '1' };

/**
 * --target cdk: the generated infra/ app's `npx cdk synth` as a user runs it (its cdk.json's build, then the app, cdk-nag
 * inside), offline as test/support/cdk.ts runs it (no AWS variables, an empty HOME, no instance metadata), its
 * node_modules a link to ours; against `npx cdk --version` in the same folder (npx and the CLI's own start).
 */
const cdkFolder = emptyFolder();
run([process.execPath, command, ...DEMO_FLAGS, '--target', 'cdk'], cdkFolder);
const infra = join(cdkFolder, 'infra');
symlinkSync(join(root, 'node_modules'), join(infra, 'node_modules'), 'dir');
const cdkHome = join(scratch, 'cdk-home');
mkdirSync(cdkHome);
const cdkEnvironment = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_'))),
  HOME: cdkHome,
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  FORCE_COLOR: '0',
};
const subjects = {
  node: { shown: 'node -e 0', argv: () => [process.execPath, '-e', '0'] },
  first: { shown: `copilot-django ${DEMO_FLAGS.join(' ')}`, argv: () => [process.execPath, command, ...DEMO_FLAGS], cwd: emptyFolder },
  rerun: { shown: 'copilot-django --yes  (in the folder the first run wrote)', argv: () => [process.execPath, command, '--yes'], cwd: () => generated },
  yoVersion: { shown: 'yo --version', argv: () => [process.execPath, yo, '--version'], env: yoEnvironment },
  yoLookup: { shown: 'yo --generators', argv: () => [process.execPath, yo, '--generators'], cwd: emptyFolder, env: yoEnvironment },
  yo: { shown: `yo copilot-django ${DEMO_FLAGS.join(' ')}`, argv: () => [process.execPath, yo, 'copilot-django', ...DEMO_FLAGS], cwd: emptyFolder, env: yoEnvironment },
  yoLookupInstalled: { shown: 'yo --generators', argv: () => [process.execPath, yo, '--generators'], cwd: () => emptyFolder(installed), env: yoEnvironment },
  yoInstalled: {
    shown: `yo copilot-django ${DEMO_FLAGS.join(' ')}`,
    argv: () => [process.execPath, yo, 'copilot-django', ...DEMO_FLAGS],
    cwd: () => emptyFolder(installed),
    env: yoEnvironment,
  },
  cdkVersion: { shown: 'npx cdk --version', argv: () => ['npx', 'cdk', '--version'], cwd: () => infra, env: cdkEnvironment },
  cdkSynth: { shown: "npx cdk synth --no-notices --quiet '**'  (in infra/ of a project generated with --target cdk, offline)", argv: () => ['npx', 'cdk', 'synth', '--no-notices', '--quiet', '**'], cwd: () => infra, env: cdkEnvironment },
};

function run(argv, cwd = root, env = process.env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} (in ${cwd}) exited with ${result.status}:\n${result.stderr}`);
  return seconds;
}

const times = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
try {
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, subject] of Object.entries(subjects)) {
      const seconds = run(subject.argv(), subject.cwd?.(), subject.env);
      if (round > 0) times[name].push(seconds);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const m = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
// `yo` before it runs any generator (its own start, its environment, its lookup), plus what our command does
// beyond starting Node: what `yo copilot-django` should not exceed.
const ownWork = m.first - m.node;
const yoBaseline = m.yoLookup + ownWork;
const yoBaselineInstalled = m.yoLookupInstalled + ownWork;
const ratio = (value) => `${value.toFixed(2)}×`;
const seconds = (value) => `${value.toFixed(3)} s`;
const verdict = (ok) => (ok ? 'met' : 'NOT met');

/** A run through yo against its baseline: yo up to running a generator, plus our command's work. */
const yoRow = (label, subject, measured, baseline) => [
  label,
  subject.shown,
  seconds(measured),
  `${ratio(measured / baseline)} (yo --generators + first run − node -e 0 = ${seconds(baseline)})`,
  `≤ 1×: ${verdict(measured <= baseline)}`,
];

const rows = [
  ['baseline: Node starts and exits', subjects.node.shown, seconds(m.node), '1×', ''],
  ['first run into an empty folder', subjects.first.shown, seconds(m.first), `${ratio(m.first / m.node)} node -e 0`, `≤ 5×: ${verdict(m.first <= 5 * m.node)}`],
  ['unchanged re-run (changes no file)', subjects.rerun.shown, seconds(m.rerun), `${ratio(m.rerun / m.first)} first run`, `< 1×: ${verdict(m.rerun < m.first)}`],
  ["baseline: yo's own start", subjects.yoVersion.shown, seconds(m.yoVersion), `${ratio(m.yoVersion / m.node)} node -e 0`, ''],
  ['baseline, package linked: yo up to running a generator (its environment, its lookup)', subjects.yoLookup.shown, seconds(m.yoLookup), `${ratio(m.yoLookup / m.node)} node -e 0`, ''],
  yoRow('first run through yo, package linked', subjects.yo, m.yo, yoBaseline),
  ['baseline, package installed: yo up to running a generator', subjects.yoLookupInstalled.shown, seconds(m.yoLookupInstalled), `${ratio(m.yoLookupInstalled / m.node)} node -e 0`, ''],
  yoRow('first run through yo, package installed', subjects.yoInstalled, m.yoInstalled, yoBaselineInstalled),
  ["baseline: the CDK CLI's own start", subjects.cdkVersion.shown, seconds(m.cdkVersion), `${ratio(m.cdkVersion / m.node)} node -e 0`, ''],
  ['synth of the generated CDK app (both environments, cdk-nag)', subjects.cdkSynth.shown, seconds(m.cdkSynth), `${ratio(m.cdkSynth / m.cdkVersion)} npx cdk --version`, ''],
  // The generated task's figures (restart against first start, nginx against Django) come from the task simulation:
  // test/bench/task.bench.ts, which `npm run bench` runs after this script.
];

const cpu = cpus();
console.log(`Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${platform()}, Node ${process.version}.`);
console.log(`Medians of ${ROUNDS} runs after 1 warm-up, every command once per round, side by side. Command: ${relative(root, command)}.\n`);
console.log('| what | command | median | ratio | goal |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.map((cell, index) => (index === 1 ? `\`${cell}\`` : cell)).join(' | ')} |`);
