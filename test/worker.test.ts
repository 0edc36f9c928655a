/**
 * The Celery worker (--worker celery): a Copilot Backend Service on the Django image, Redis on ElastiCache Serverless
 * as an environment addon, the Celery application and the worker's start in the deployment package. Proven against
 * Copilot's schema and renderer (test/data/copilot-worker.json, from scripts/copilot-worker.mjs), CloudFormation's
 * resource schemas, Debian's Django and Celery, and in the task simulation with Debian's redis-server: a task
 * enqueued by the web service runs in the worker, a warm shutdown lets it finish, a killed worker's task runs again.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceFunctions } from '../generators/shared/lambdas.js';
import { planContext, workerName } from '../generators/shared/plan.js';
import { missingRequirements, newProjectRequirements } from '../generators/shared/requirements.js';
import { VERSIONS } from '../generators/shared/versions.js';
import { parseTemplate, resourceSpecs, templateErrors } from './support/cloudformation.js';
import { checkManifest } from './support/copilot-schema.js';
import { DEMO_ANSWERS, DEMO_FLAGS, ROOT, generateProject, readText, readYaml, runApp } from './support/generate.js';
import { addProbeApp } from './support/probe-app.js';
import { describeWith, PYTHON } from './support/programs.js';
import { cloudEnv, imagePath, lastJsonLine, renderProject } from './support/rendered-project.js';
import { run, sleep, waitFor } from './support/task/processes.js';
import { RedisServer } from './support/task/redis.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task } from './support/task/task.js';
import type { Database } from './support/task/postgres.js';

const WORKER = 'copilot/django-worker/manifest.yml';
const SERVICE = 'copilot/django/manifest.yml';
const REDIS_ADDON = 'copilot/environments/addons/redis.yml';
const DB_ADDON = 'copilot/environments/addons/db.yml';
const WORKER_FLAGS = { ...DEMO_FLAGS, worker: 'celery' };

interface RenderedWorker {
  lambdas: string[];
  runtimes: string[];
  containers: Array<{ stopTimeout: number | null; command: unknown[]; imported: Record<string, string>; portMappings: number }>;
  loadBalancer: boolean;
  capacityProviders: string[];
}
interface Variant {
  name: string;
  flags: string[];
  checks: string[];
  failures: string[];
  worker: Record<string, RenderedWorker>;
}
const RENDERED = JSON.parse(readFileSync(join(ROOT, 'test/data/copilot-worker.json'), 'utf8')) as { runtime?: string; variants: Variant[] };

/** The variant's flags as runApp options (`--worker celery --no-spot` → { worker: 'celery', spot: false }). */
function optionsOf(flags: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = { app: 'demo', repository: 'https://github.com/example/demo' };
  for (let index = 0; index < flags.length; index++) {
    const name = flags[index].replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (name.startsWith('no') && /^no[A-Z]/.test(name)) options[name[2].toLowerCase() + name.slice(3)] = false;
    else if (flags[index + 1] === undefined || flags[index + 1].startsWith('--')) options[name] = true;
    else options[name] = flags[++index];
  }
  return options;
}

const exportsOf = (addon: Record<string, any>) => Object.values(addon.Outputs as Record<string, any>).map((output) => String(output.Export.Name['Fn::Sub']).replace('${App}-${Env}-', ''));
const imported = (value: string) => value.replace('${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}-', '');

describe('the worker service', () => {
  let folder: string;

  beforeAll(async () => {
    resourceSpecs();
    folder = await generateProject(WORKER_FLAGS);
  });

  test.each(RENDERED.variants.map((variant) => [variant.name, variant] as const))('passes the Copilot schema check (%s), as the web service does', async (_name, variant) => {
    const cwd = await generateProject(optionsOf(variant.flags));
    expect(checkManifest('service', readYaml(cwd, WORKER))).toEqual([]);
    expect(checkManifest('service', readYaml(cwd, SERVICE))).toEqual([]);
  });

  test('the schema check refuses what Copilot refuses or ignores in a Backend Service', () => {
    const manifest = readYaml(folder, WORKER);
    expect(checkManifest('service', { ...manifest, command: undefined, comand: 'celery' })).toContain('comand: unknown key');
    expect(checkManifest('service', { ...manifest, http: false })).not.toEqual([]);
    expect(checkManifest('service', { ...manifest, image: { port: 80 } })).toContain('image: either "image.build" or "image.location" needs to be specified');
  });

  test('runs the web service\'s image with `celery worker`, no port, the same count shape, exec off in production', () => {
    const worker = readYaml(folder, WORKER);
    const web = readYaml(folder, SERVICE);
    expect(worker.type).toBe('Backend Service');
    expect(worker.name).toBe('django-worker');
    expect(worker.image.build).toEqual(web.image.build);
    expect(worker.image.port).toBeUndefined();
    expect(worker.http).toBeUndefined();
    expect(worker.command).toBe('celery -A copilot_deploy.celery worker --loglevel INFO --concurrency 2');
    expect(worker.platform).toBe(web.platform);
    for (const environment of Object.keys(web.environments)) {
      expect(worker.environments[environment].count).toEqual(web.environments[environment].count);
      expect(worker.environments[environment].exec).toEqual(web.environments[environment].exec);
    }
    expect(worker.environments.prod.exec).toBe(false);
    // No first superuser's secrets: only the web service's start creates it.
    expect(Object.keys(worker.secrets).sort()).toEqual(['DB_SECRET', 'DJANGO_SECRET_KEY']);
    expect(worker.secrets.DB_SECRET).toEqual(web.secrets.DB_SECRET);
    expect(worker.variables.DJANGO_START_UP).toBe('wait-for-migrations');
  });

  test('both services read Redis and the database from the exports the environment addons declare', () => {
    const redis = parseTemplate(readText(folder, REDIS_ADDON));
    const database = parseTemplate(readText(folder, DB_ADDON));
    const declared = [...exportsOf(redis), ...exportsOf(database)];
    for (const path of [WORKER, SERVICE]) {
      const manifest = readYaml(folder, path);
      expect(declared).toContain(imported(manifest.variables.REDIS_URL.from_cfn));
      const groups = manifest.network.vpc.security_groups.map((group: { from_cfn: string }) => imported(group.from_cfn));
      expect(groups.sort()).toEqual(['dbSecurityGroup', 'redisSecurityGroup']);
      for (const group of groups) expect(declared).toContain(group);
    }
    const url = Object.values(redis.Outputs as Record<string, any>).find((output) => output.Export.Name['Fn::Sub'].endsWith('redisBrokerUrl'));
    expect(url.Value['Fn::Sub']).toMatch(/^rediss:\/\/\$\{RedisCache\.Endpoint\.Address\}:\$\{RedisCache\.Endpoint\.Port\}\/0$/);
  });

  test('a project without the worker has none of it, and its web manifest is as before', async () => {
    const cwd = await generateProject(DEMO_FLAGS);
    expect(existsSync(join(cwd, WORKER))).toBe(false);
    expect(existsSync(join(cwd, REDIS_ADDON))).toBe(false);
    expect(existsSync(join(cwd, 'app/copilot_deploy/celery.py'))).toBe(false);
    const web = readYaml(cwd, SERVICE);
    expect(web.variables.REDIS_URL).toBeUndefined();
    expect(web.network.vpc.security_groups).toHaveLength(1);
    expect(readText(cwd, 'app/requirements.txt')).not.toMatch(/celery/);
    expect(readText(cwd, 'app/entrypoint.sh')).not.toContain('DJANGO_START_UP');
  });

  test('its name stays a Copilot name of at most 32 characters', () => {
    expect(workerName('django')).toBe('django-worker');
    const long = workerName('a-service-name-of-thirty-two-chr');
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^[a-z](?:[a-z0-9]|-(?!-))+-worker$/);
  });
});

describe("Copilot's renderer (test/data/copilot-worker.json)", () => {
  test.each(RENDERED.variants.map((variant) => [variant.name, variant] as const))('accepts every stack and pipeline (%s)', (_name, variant) => {
    expect(variant.failures).toEqual([]);
    expect(variant.checks).toEqual(expect.arrayContaining(['OK svc django-worker @ dev (copilot svc package)', 'OK svc django-worker @ prod (copilot svc package)', 'OK env dev (copilot env package)']));
  });

  test.each(RENDERED.variants.map((variant) => [variant.name, variant] as const))(
    'renders the worker without a load balancer or port, with REDIS_URL and DB_SECRET imported, StopTimeout 120 and every Lambda function patched (%s)',
    async (_name, variant) => {
      const cwd = await generateProject(optionsOf(variant.flags));
      const manifest = readYaml(cwd, WORKER);
      for (const [environment, rendered] of Object.entries(variant.worker)) {
        expect(rendered.loadBalancer).toBe(false);
        expect(rendered.containers).toEqual([
          {
            stopTimeout: 120,
            command: ['celery', '-A', 'copilot_deploy.celery', 'worker', '--loglevel', 'INFO', '--concurrency', 2],
            imported: { REDIS_URL: `demo-${environment}-redisBrokerUrl`, DB_SECRET: `demo-${environment}-dbAuroraSecret` },
            portMappings: 0,
          },
        ]);
        expect(rendered.runtimes).toEqual([VERSIONS.lambdaRuntime]);
        // The generator derives the worker's patches from its manifest: the functions Copilot rendered, no other.
        expect(serviceFunctions(manifest, environment)).toEqual(rendered.lambdas);
        expect(rendered.capacityProviders.includes('FARGATE_SPOT')).toBe(variant.flags.includes('--spot'));
      }
      const patches = readYaml(cwd, 'copilot/django-worker/overrides/cfn.patches.yml') as Array<{ op: string; path: string; value: unknown }>;
      expect(patches).toContainEqual({ op: 'add', path: '/Resources/TaskDefinition/Properties/ContainerDefinitions/0/StopTimeout', value: 120 });
    },
  );
});

describe('the Redis addon', () => {
  let folder: string;
  let addon: Record<string, any>;

  beforeAll(async () => {
    resourceSpecs();
    folder = await generateProject(WORKER_FLAGS);
    addon = parseTemplate(readText(folder, REDIS_ADDON));
  });

  test('is valid CloudFormation: every resource type, property, shape, required property and reference', () => {
    expect(templateErrors(addon)).toEqual([]);
  });

  test('the check catches a misspelt property of the cache', () => {
    expect(templateErrors(parseTemplate(readText(folder, REDIS_ADDON).replace('MajorEngineVersion:', 'MajorEngineVersoin:')))).toEqual([
      'Resources.RedisCache.Properties.MajorEngineVersoin: AWS::ElastiCache::ServerlessCache has no property MajorEngineVersoin',
    ]);
  });

  test('ElastiCache Serverless (TLS always on) in the private subnets, admitting the services\' security group only', () => {
    const cache = addon.Resources.RedisCache;
    expect(cache.Type).toBe('AWS::ElastiCache::ServerlessCache');
    expect(cache.Properties.Engine).toBe('redis');
    expect(cache.Properties.SubnetIds).toEqual({ 'Fn::Split': [',', { Ref: 'PrivateSubnets' }] });
    expect(cache.Properties.SecurityGroupIds).toEqual([{ Ref: 'RedisCacheSecurityGroup' }]);
    const ingresses = Object.values(addon.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::EC2::SecurityGroupIngress');
    expect(ingresses.map((ingress) => ingress.Properties)).toEqual([
      expect.objectContaining({ GroupId: { Ref: 'RedisCacheSecurityGroup' }, FromPort: 6379, ToPort: 6380, SourceSecurityGroupId: { Ref: 'RedisWorkloadSecurityGroup' } }),
    ]);
    for (const group of ['RedisCacheSecurityGroup', 'RedisWorkloadSecurityGroup']) expect(addon.Resources[group].Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('declares the parameters it shares with db.yml exactly as db.yml does (Copilot merges the environment addons)', () => {
    const database = parseTemplate(readText(folder, DB_ADDON));
    for (const [name, parameter] of Object.entries(addon.Parameters)) expect({ name, parameter: database.Parameters[name] }).toEqual({ name, parameter });
    expect(Object.keys(parseTemplate(readText(folder, 'copilot/environments/addons/addons.parameters.yml')).Parameters).sort()).toEqual(['PrivateSubnets', 'VPCID']);
  });
});

describe('requirements', () => {
  test("a new project's requirements.txt has Celery with its Redis extra only with the worker", () => {
    expect(newProjectRequirements({ worker: true })).toContain(VERSIONS.celery.requirement);
    expect(newProjectRequirements()).not.toContain(VERSIONS.celery.requirement);
    expect(planContext({ ...DEMO_ANSWERS, worker: 'celery' }).newProjectRequirements).toContain('celery[redis]>=5.5,<5.6');
  });

  test("a team's requirements get Celery, or only the Redis client next to their own Celery, and nothing they have", () => {
    const base = 'Django==4.2.11\ngunicorn\npsycopg2-binary\n';
    expect(missingRequirements(base, '4.2', { worker: true })).toEqual([VERSIONS.celery.requirement]);
    expect(missingRequirements(`${base}celery==5.3.6\n`, '4.2', { worker: true })).toEqual([VERSIONS.celery.redisRequirement]);
    expect(missingRequirements(`${base}celery[redis,sqs]==5.3.6\n`, '4.2', { worker: true })).toEqual([]);
    expect(missingRequirements(`${base}Celery>=5.3\nredis==5.0.1\n`, '4.2', { worker: true })).toEqual([]);
    expect(missingRequirements(base, '4.2')).toEqual([]);
  });
});

describe('re-runs', () => {
  const WORKER_FILES = [WORKER, REDIS_ADDON, 'app/copilot_deploy/celery.py', 'app/copilot_deploy/management/commands/wait_for_migrations.py'];

  test('adding the worker to a project writes it; turning it off is refused without --remove-worker, naming its files', async () => {
    const cwd = await generateProject(DEMO_FLAGS);
    await runApp({ yes: true, worker: 'celery' }, { cwd });
    for (const file of WORKER_FILES) expect(existsSync(join(cwd, file))).toBe(true);
    expect(readYaml(cwd, SERVICE).variables.REDIS_URL.from_cfn).toContain('redisBrokerUrl');

    await expect(runApp({ yes: true, worker: 'none' }, { cwd })).rejects.toThrow(/--worker "?none"? turns off the worker service and its broker/);
    try {
      await runApp({ yes: true, worker: 'none' }, { cwd });
    } catch (error) {
      for (const file of WORKER_FILES) expect(String(error)).toContain(file);
      expect(String(error)).toContain('--remove-worker');
    }
    for (const file of WORKER_FILES) expect(existsSync(join(cwd, file))).toBe(true);
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].worker).toBe('celery');
  });

  test('with --remove-worker the worker\'s files go, the web service keeps running without Redis', async () => {
    const cwd = await generateProject(WORKER_FLAGS);
    await runApp({ yes: true, worker: 'none', 'remove-worker': true }, { cwd });
    for (const file of WORKER_FILES) expect(existsSync(join(cwd, file))).toBe(false);
    const web = readYaml(cwd, SERVICE);
    expect(web.variables.REDIS_URL).toBeUndefined();
    expect(web.network.vpc.security_groups).toHaveLength(1);
    expect(existsSync(join(cwd, DB_ADDON))).toBe(true);
    expect(existsSync(join(cwd, 'copilot/environments/addons/addons.parameters.yml'))).toBe(true);
    expect(readText(cwd, 'app/copilot_deploy/settings.py')).not.toContain('CELERY_');
  });
});

/** The generated settings, in a task of the demo app (REDIS_URL as the addon exports it), as JSON. */
async function celerySettings(project: string, bin: string, extra: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const probe = [
    'import json, django, ssl',
    'django.setup()',
    'from django.conf import settings',
    'from copilot_deploy.celery import app',
    'c = app.conf',
    'print(json.dumps({"broker": c.broker_url, "backend": c.result_backend, "acks_late": c.task_acks_late, "reject_on_worker_lost": c.task_reject_on_worker_lost,',
    '  "prefetch": c.worker_prefetch_multiplier, "transport": c.broker_transport_options, "time_limit": c.task_time_limit,',
    '  "broker_ssl": (c.broker_use_ssl or {}).get("ssl_cert_reqs") == ssl.CERT_REQUIRED, "backend_ssl": (c.redis_backend_use_ssl or {}).get("ssl_cert_reqs") == ssl.CERT_REQUIRED}))',
  ].join('\n');
  return run(PYTHON, ['-c', probe], { cwd: project, env: cloudEnv('example.com', { PATH: imagePath(bin), ...extra }) });
}

describeWith(['django', 'celery'])('the Celery application on Debian\'s Django and Celery', () => {
  let project: string;
  let bin: string;
  const REDIS_URL = 'rediss://celery-1a2b3c4d.serverless.use1.cache.amazonaws.com:6379/0';

  beforeAll(async () => {
    ({ project, bin } = await renderProject(planContext({ ...DEMO_ANSWERS, worker: 'celery' }), mkdtempSync(join(tmpdir(), 'worker-settings-'))));
  });

  test('`check --deploy --fail-level WARNING` passes in the cloud with the worker on', async () => {
    const result = await run(PYTHON, ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'], { cwd: project, env: cloudEnv('example.com', { PATH: imagePath(bin), REDIS_URL }) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('the broker and results are the environment\'s Redis over verified TLS; tasks acknowledged late, one at a time', async () => {
    const settings = lastJsonLine<Record<string, unknown>>(await celerySettings(project, bin, { REDIS_URL }));
    expect(settings).toMatchObject({ broker: REDIS_URL, backend: REDIS_URL, acks_late: true, reject_on_worker_lost: true, prefetch: 1, broker_ssl: true, backend_ssl: true });
    const transport = settings.transport as { visibility_timeout: number; global_keyprefix: string };
    expect(transport.visibility_timeout).toBeGreaterThan(settings.time_limit as number);
    expect(transport.global_keyprefix).toBe('{celery}:');
  });

  test('a task without REDIS_URL does not start, and says where it comes from; nor with a visibility timeout shorter than the time limit', async () => {
    const missing = await celerySettings(project, bin, {});
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No Celery broker: REDIS_URL is not set');
    const short = await celerySettings(project, bin, { REDIS_URL, CELERY_TASK_TIME_LIMIT: '600', CELERY_VISIBILITY_TIMEOUT: '300' });
    expect(short.stderr).toContain('CELERY_VISIBILITY_TIMEOUT 300 must be longer than CELERY_TASK_TIME_LIMIT 600');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The task simulation
// ---------------------------------------------------------------------------------------------------------------

/** Seconds before Redis hands an unacknowledged task to a worker again, in these tests (the settings' default: twice the time limit). */
const VISIBILITY_TIMEOUT = 10;

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres', 'celery', 'redis']);

describeTask('the worker in the task simulation', () => {
  let simulation: Simulation;
  let redis: RedisServer;
  let web: Deployment;
  let worker: Deployment;
  let database: Database;
  let webTask: Task;
  const workers: Task[] = [];

  /** The events of `token`'s task, in the order they happened. */
  const events = async (token: string) =>
    (await simulation.postgres.query(database.name, `SELECT kind FROM probe_event WHERE token = '${token}' ORDER BY id`)).split('\n').filter(Boolean);

  async function startWorker(): Promise<Task> {
    const task = await simulation.startTask(worker, {
      database,
      volumes: {},
      secrets: secretsFor(worker.definition),
      // The test's time limit and visibility timeout are short, so that a killed task comes back within seconds.
      variables: { [worker.definition.service]: { REDIS_URL: redis.url, CELERY_TASK_TIME_LIMIT: '8', CELERY_VISIBILITY_TIMEOUT: String(VISIBILITY_TIMEOUT) } },
    });
    workers.push(task);
    return task;
  }

  const output = (task: Task) => task.container(worker.definition.service).process.logs();
  const ready = (task: Task) => waitFor('the worker to take tasks', () => (/celery@\S+ ready\./.test(output(task)) ? true : undefined), { patienceMs: 60_000, context: () => output(task) });

  async function enqueue(token: string): Promise<void> {
    const response = await webTask.request({ path: `/probe/enqueue/?token=${token}`, headers: { Host: web.loadBalancerDns } }).catch((error: Error) => {
      throw new Error(`${error.message}\n${webTask.logs()}\n${redis.logs()}`);
    });
    expect(response.status).toBe(202);
  }

  const waitForEvents = (token: string, expected: string[], task: Task) =>
    waitFor(`${token}: ${expected.join(', ')}`, async () => ((await events(token)).join(',') === expected.join(',') ? true : undefined), {
      patienceMs: 60_000,
      context: () => `${output(task)}\n${redis.logs()}`,
    });

  beforeAll(async () => {
    simulation = await Simulation.start();
    redis = await RedisServer.start(simulation.scratch, simulation.vpc);
    const project = await generateProject({ ...WORKER_FLAGS, domain: '', allowHttp: true, spot: false });
    addProbeApp(project);
    web = await simulation.deploy(project, 'dev');
    worker = await simulation.deploy(project, 'dev', 'django-worker');
    database = await simulation.createDatabase();
  }, 180_000);

  afterAll(async () => {
    for (const task of workers) await task.stop({ stopTimeoutSeconds: 1 }).catch(() => undefined);
    await webTask?.stop({ stopTimeoutSeconds: 1 }).catch(() => undefined);
    await simulation?.teardown();
  });

  test('a worker started before the web service waits for its migrations, runs no start-up step, then takes tasks', async () => {
    const first = await startWorker();
    await waitFor('the worker to wait for the migrations', () => (output(first).includes('wait_for_migrations: waiting') ? true : undefined), { patienceMs: 60_000, context: () => output(first) });
    expect(await simulation.postgres.query(database.name, "SELECT count(*) FROM pg_tables WHERE tablename = 'django_migrations'")).toBe('0');
    webTask = await simulation.startTask(web, {
      database,
      volumes: simulation.createVolumes(web.definition),
      secrets: secretsFor(web.definition),
      variables: { django: { REDIS_URL: redis.url, DRAIN_SECONDS: '0' }, nginx: { DRAIN_SECONDS: '0' } },
    });
    await webTask.waitHealthy();
    await ready(first);
    expect(output(first)).toContain('wait_for_migrations: every migration is applied; the worker starts.');
    expect(output(first)).not.toContain('collecting static files');
    expect(output(first)).not.toMatch(/Applying \w+\.\d{4}/);
  }, 180_000);

  test('a task enqueued by a view of the web service runs in the worker', async () => {
    await enqueue('plain');
    await waitForEvents('plain', ['started'], workers[0]);
    await simulation.postgres.query(database.name, "INSERT INTO probe_event (token, kind) VALUES ('plain', 'release')");
    await waitForEvents('plain', ['started', 'release', 'finished'], workers[0]);
    expect(output(workers[0])).toMatch(/Task probe\.tasks\.hold_then_finish\[[\w-]+\] succeeded/);
  }, 120_000);

  test('SIGTERM is a warm shutdown: the running task finishes, the worker exits 0 within its StopTimeout', async () => {
    const task = workers[0];
    expect(worker.definition.stopTimeouts[worker.definition.service]).toBe(120);
    await enqueue('warm');
    await waitForEvents('warm', ['started'], task);
    const stopping = task.stopContainer(worker.definition.service);
    await waitFor('the warm shutdown to begin', () => (/worker: Warm shutdown/.test(output(task)) ? true : undefined), { patienceMs: 30_000, context: () => output(task) });
    await simulation.postgres.query(database.name, "INSERT INTO probe_event (token, kind) VALUES ('warm', 'release')");
    const exit = await stopping;
    expect(exit).toMatchObject({ code: 0, killedAtStopTimeout: false });
    expect(await events('warm')).toEqual(['started', 'release', 'finished']);
  }, 180_000);

  test('a worker killed mid-task: the next worker runs the task again, and it completes once', async () => {
    const first = await startWorker();
    await ready(first);
    const enqueued = Date.now();
    await enqueue('killed');
    await waitForEvents('killed', ['started'], first);
    // SIGKILL to PID 1 ends every process of the container: the task never finished, so it was never acknowledged.
    await first.signal(worker.definition.service, 'SIGKILL');
    await first.exited(worker.definition.service, 10_000);
    await simulation.postgres.query(database.name, "INSERT INTO probe_event (token, kind) VALUES ('killed', 'release')");
    // Redis hands an unacknowledged task out again once its visibility timeout is over, and a starting worker looks
    // for such tasks at once (kombu's restore_visible, then every 100 s): start it after that.
    await sleep(Math.max(0, enqueued + (VISIBILITY_TIMEOUT + 1) * 1000 - Date.now()));
    const second = await startWorker();
    await ready(second);
    await waitForEvents('killed', ['started', 'release', 'started', 'finished'], second);
    expect(await events('killed')).toEqual(['started', 'release', 'started', 'finished']);
  }, 180_000);
});
