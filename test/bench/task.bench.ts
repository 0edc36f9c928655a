/**
 * How fast the generated task starts and serves, in the task simulation (test/support/task/): printed,
 * never asserted. Each figure is a ratio against a baseline measured in the same run, medians over rounds.
 *
 * - Restart: time to healthy of a replaced task (same image, database and volume) against the first start of the
 *   same round on a fresh database and volume. One warm-up round first, not counted.
 * - Static files: requests per second nginx answers for a hashed static file against what Django answers for its
 *   health endpoint (through the same nginx), with wrk from the load balancer's side, same threads, connections
 *   and duration, alternating, gzip accepted as a browser does.
 * - gunicorn: the workers and threads the task runs, against the CPU units its manifest declares.
 *
 * Run: NODE_OPTIONS=--experimental-vm-modules npx jest --config test/bench/jest.bench.config.js
 * BENCH_ROUNDS (default 7) and BENCH_WRK_SECONDS (default 3) change the rounds and the length of each wrk run.
 */
import { DEMO_FLAGS, generateProject } from '../support/generate.js';
import { describeWith, programPath } from '../support/programs.js';
import { readStaticManifest } from '../support/static-manifest.js';
import type { TaskDefinition } from '../support/task/manifest.js';
import { header } from '../support/task/network.js';
import { run } from '../support/task/processes.js';
import { Simulation, type Deployment } from '../support/task/simulation.js';
import type { Task } from '../support/task/task.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WRK = { threads: 2, connections: 16, seconds: Number(process.env.BENCH_WRK_SECONDS ?? 3) };
const ENVIRONMENT = 'dev';
const RESTART_GOAL = 0.6;
const STATIC_GOAL = 10;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function secretsFor(definition: TaskDefinition): Record<string, string> {
  const values: Record<string, string> = {
    DJANGO_SECRET_KEY: 'bench-q8Vt3mZk1Lx7Rw4Np0Bc6Hs2Jd9Fg5Ya8Ue3Oi7Kl1Mn4Pq6Zr',
    DJANGO_SUPERUSER_USERNAME: 'admin',
    DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
    DJANGO_SUPERUSER_PASSWORD: 'bench-Password-1',
  };
  // DB_SECRET is the database's own, handed over by simulation.startTask with the database it starts the task on.
  const names = definition.containers.flatMap((container) => container.secrets).filter((name) => name !== 'DB_SECRET');
  return Object.fromEntries(names.map((name) => [name, values[name]]));
}

/** The public name a browser would use: the service's domain, or the load balancer's. */
function publicHost(deployment: Deployment): string {
  const { definition } = deployment;
  const domain = definition.containers[0].variables.DJANGO_DOMAIN;
  return domain ? `${definition.service}.${definition.environment}.${definition.app}.${domain}` : deployment.loadBalancerDns;
}

describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres', 'wrk'])('the generated task (benchmark)', () => {
  let simulation: Simulation;
  let deployment: Deployment;
  const lines: string[] = [];

  beforeAll(async () => {
    simulation = await Simulation.start();
    deployment = await simulation.deploy(await generateProject(DEMO_FLAGS), ENVIRONMENT);
  }, 120_000);

  afterAll(async () => {
    await simulation?.teardown();
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  });

  function startTask(database: Awaited<ReturnType<Simulation['createDatabase']>>, volumes: Record<string, string>): Promise<Task> {
    // No drain on stop, as in the simulation tests: the figures are start-up times.
    const variables = Object.fromEntries(deployment.definition.containers.map((container) => [container.name, { DRAIN_SECONDS: '0' }]));
    return simulation.startTask(deployment, { database, volumes, secrets: secretsFor(deployment.definition), variables });
  }

  test('restart against first start: time to healthy', async () => {
    const first: number[] = [];
    const restart: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const database = await simulation.createDatabase();
      const volumes = simulation.createVolumes(deployment.definition);
      let task = await startTask(database, volumes);
      const firstMs = await task.waitHealthy();
      await task.stop();
      task = await startTask(database, volumes);
      const restartMs = await task.waitHealthy();
      await task.stop();
      if (round === 0) continue;
      first.push(firstMs);
      restart.push(restartMs);
    }
    const ratio = median(restart) / median(first);
    lines.push(
      `Task start, time to healthy (medians of ${ROUNDS}, ${deployment.definition.app}/${ENVIRONMENT}):`,
      `  first start (baseline; fresh database and volume)  ${(median(first) / 1000).toFixed(3)} s`,
      `  restart (same image, database and volume)           ${(median(restart) / 1000).toFixed(3)} s`,
      `  restart / first                                     ${ratio.toFixed(2)}  (goal ≤ ${RESTART_GOAL}: ${ratio <= RESTART_GOAL ? 'met' : 'NOT met'})`,
    );
  }, 600_000);

  test('nginx static file against Django health endpoint: requests per second', async () => {
    const database = await simulation.createDatabase();
    const volumes = simulation.createVolumes(deployment.definition);
    const task = await startTask(database, volumes);
    try {
      await task.waitHealthy();
      const { definition } = deployment;
      // The static volume: the one the load balancer's target (nginx) mounts.
      const staticVolume = definition.containers.find((container) => container.name === definition.target.container)?.mounts[0]?.volume ?? '';
      const manifest = readStaticManifest(task.volumePath(staticVolume));
      const staticPath = `/static/${manifest.paths['admin/css/base.css']}`;
      const subjects = {
        // The load balancer's health check sends the task's address as Host.
        health: { path: definition.healthCheck.path, host: `${task.ip}:${definition.target.port}` },
        static: { path: staticPath, host: publicHost(deployment) },
      };
      // What is measured is what a browser gets: the gzip copy and the long cache header.
      const probe = await task.request({ path: staticPath, headers: { Host: subjects.static.host, 'Accept-Encoding': 'gzip' } });
      const health = await task.request({ path: subjects.health.path, headers: { Host: subjects.health.host, 'Accept-Encoding': 'gzip' } });
      if (probe.status !== 200 || health.status !== 200) throw new Error(`static ${probe.status}, health ${health.status}: not what the benchmark measures`);

      const rates: Record<keyof typeof subjects, number[]> = { health: [], static: [] };
      for (let round = 0; round < Math.max(3, Math.ceil(ROUNDS / 2)); round++) {
        for (const name of ['health', 'static'] as const) rates[name].push(await requestRate(simulation, task, subjects[name]));
      }
      const ratio = median(rates.static) / median(rates.health);
      const djangoVariables = definition.containers[0].variables;
      const cpu = Number(definition.manifest.cpu);
      const booted = (task.logs().match(/Booting worker/g) ?? []).length;
      lines.push(
        `Requests per second, wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s from the load balancer's side (medians of ${rates.static.length}):`,
        `  Django ${subjects.health.path} through nginx (baseline)  ${median(rates.health).toFixed(0)}/s`,
        `  nginx ${staticPath}  ${median(rates.static).toFixed(0)}/s`,
        `    Content-Encoding: ${header(probe, 'content-encoding') ?? 'none'}, ${header(probe, 'content-length') ?? '?'} bytes; Cache-Control: ${header(probe, 'cache-control')}`,
        `  static / Django                                       ${ratio.toFixed(1)}×  (goal ≥ ${STATIC_GOAL}×: ${ratio >= STATIC_GOAL ? 'met' : 'NOT met'})`,
        `gunicorn: cpu ${cpu} (${cpu / 1024} vCPU) → WEB_CONCURRENCY=${djangoVariables.WEB_CONCURRENCY} workers × GUNICORN_THREADS=${djangoVariables.GUNICORN_THREADS} threads (${booted} workers booted)`,
      );
    } finally {
      await task.stop();
    }
  }, 600_000);
});

/** One wrk run against the task's target port from the VPC (where the load balancer is); requests per second. */
async function requestRate(simulation: Simulation, task: Task, subject: { path: string; host: string }): Promise<number> {
  const [command, ...args] = simulation.vpc.enter([
    programPath('wrk'),
    `-t${WRK.threads}`,
    `-c${WRK.connections}`,
    `-d${WRK.seconds}s`,
    '-H',
    `Host: ${subject.host}`,
    '-H',
    'Accept-Encoding: gzip',
    `http://${task.ip}:${task.inputs.definition.target.port}${subject.path}`,
  ]);
  const result = await run(command, args, { timeoutMs: (WRK.seconds + 30) * 1000 });
  const rate = /Requests\/sec:\s*([\d.]+)/.exec(result.stdout);
  const errors = /Non-2xx or 3xx responses:\s*(\d+)/.exec(result.stdout);
  if (result.code !== 0 || !rate || errors) throw new Error(`wrk ${subject.path}: exit ${result.code}\n${result.stdout}${result.stderr}`);
  return Number(rate[1]);
}
