/**
 * --target cdk with --worker celery --jobs: the CDK app's worker and scheduled job, started in the task simulation
 * (test/support/task/) from the SYNTHESIZED task definitions (support/task/cdk-definition.ts: the environment stack's
 * template and cdk.out's asset manifests, never the Copilot manifests), beside the web service's task, with Debian's
 * redis-server as the environment's Redis. They pass the checks the Copilot worker and job pass in worker.test.ts and
 * jobs.test.ts, and agree with the Copilot worker and job of the same project where both must.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesOfType } from './support/cloudformation.js';
import { synthesize } from './support/cdk.js';
import { DEMO_FLAGS, generateProject } from './support/generate.js';
import { addProbeApp } from './support/probe-app.js';
import { describeWith } from './support/programs.js';
import { DATABASE_SECRET_PREFIX, deployCdkTask, readCdkTaskDefinition } from './support/task/cdk-definition.js';
import { readJobDefinition, readTaskDefinition, type ContainerDefinition, type TaskDefinition } from './support/task/manifest.js';
import type { Database } from './support/task/postgres.js';
import { waitFor } from './support/task/processes.js';
import { RedisServer } from './support/task/redis.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task } from './support/task/task.js';

const FLAGS = { ...DEMO_FLAGS, worker: 'celery', jobs: true, domain: '', allowHttp: true, spot: false, target: 'cdk' };
const ENVIRONMENT = 'dev';
const WORKER = 'django-worker';
const JOB = 'housekeeping';

type Template = Record<string, any>;

/** The environment stack's template: the one whose task definitions run in `environment` (COPILOT_ENVIRONMENT_NAME). */
function environmentTemplate(templates: Record<string, Template>, environment: string): Template {
  const found = Object.values(templates).filter((candidate) =>
    resourcesOfType(candidate, 'AWS::ECS::TaskDefinition').some(([, definition]) =>
      (definition.Properties.ContainerDefinitions as Array<{ Environment?: Array<{ Name: string; Value: unknown }> }>).some((container) =>
        container.Environment?.some((variable) => variable.Name === 'COPILOT_ENVIRONMENT_NAME' && variable.Value === environment),
      ),
    ),
  );
  if (found.length !== 1) throw new Error(`${found.length} synthesized stacks run tasks in ${environment}`);
  return found[0];
}

/** What the Copilot and the CDK worker (or job) must agree on, in a form both give. */
function shape(definition: TaskDefinition) {
  return {
    service: definition.service,
    containers: definition.containers.map((container) => ({
      name: container.name,
      port: container.port,
      entrypoint: container.entrypoint,
      command: container.command,
      mounts: container.mounts,
      secrets: [...container.secrets].sort(),
      // The variables a deployed resource gives: Redis's URL, from the environment's cache.
      deployedVariables: Object.keys(container.variableExports ?? {}).sort(),
    })),
    target: definition.target,
    healthCheck: definition.healthCheck,
    stopTimeouts: definition.stopTimeouts,
  };
}

/**
 * A container's values of the variables a deployed resource gives (its variableExports), from `values`, the test's
 * stand-ins for those resources; a variable the test has no stand-in for fails the test rather than being left out.
 */
function deployedValues(container: ContainerDefinition, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(container.variableExports ?? {}).map(([name, source]) => {
      if (values[name] === undefined) throw new Error(`container ${container.name}: the test has no value for ${name}, which ${source} gives`);
      return [name, values[name]];
    }),
  );
}

/**
 * What `cdk deploy` deploys of a task on the Django image: the same Docker image asset as the web service's Django
 * container (one build, one tag), so the image the simulation built for the web task.
 */
function onDjangoImage(definition: TaskDefinition, web: Deployment): Deployment {
  const django = web.definition.containers[0];
  for (const container of definition.containers) {
    if (container.context !== django.context || container.dockerfile !== django.dockerfile) {
      throw new Error(`container ${container.name} is built from ${container.dockerfile} in ${container.context}, not from the web service's Django image asset`);
    }
  }
  // No load balancer DNS name: nothing in the CDK app gives a worker's or a job's task one.
  return { definition, images: Object.fromEntries(definition.containers.map((container) => [container.name, web.images[django.name]])), loadBalancerDns: '' };
}

let project: string;
let template: Template;

beforeAll(async () => {
  project = await generateProject(FLAGS);
  // The team's app is in the image CDK stages: added before the synthesis.
  addProbeApp(project);
  template = environmentTemplate((await synthesize(project)).templates, ENVIRONMENT);
}, 180_000);

describe("the CDK app's worker and job task definitions, read from the synthesized template", () => {
  test.each([
    ['worker', WORKER, () => readTaskDefinition(project, ENVIRONMENT, WORKER)],
    ['job', JOB, () => readJobDefinition(project, ENVIRONMENT, JOB)],
  ] as const)('the %s agrees with the Copilot one of the same project: entry point, command, variables, secrets, stop timeout, no load balancer', (_kind, name, readCopilot) => {
    const cdk = readCdkTaskDefinition(project, ENVIRONMENT, template, name);
    const copilot = readCopilot();
    expect(shape(cdk)).toEqual(shape(copilot));
    const [container] = cdk.containers;
    const [own] = copilot.containers;
    // Every variable the manifest sets, with its value (DJANGO_START_UP=wait-for-migrations for the worker).
    expect(container.variables).toEqual(expect.objectContaining(own.variables));
    expect(container.variables.DJANGO_START_UP).toBe(own.variables.DJANGO_START_UP);
    // The same Dockerfile: the one CDK staged in cdk.out is the project's own.
    expect(readFileSync(container.dockerfile, 'utf8')).toBe(readFileSync(own.dockerfile, 'utf8'));
    expect(container.context).toContain(join(project, 'infra', 'cdk.out', 'asset.'));
    // The Django secrets from the SSM parameters Copilot created; DB_SECRET from the database cluster's own secret.
    for (const [secret, parameter] of Object.entries(own.secretParameters).filter(([secret]) => secret !== 'DB_SECRET')) {
      expect(container.secretParameters[secret]).toBe(parameter.replace('${COPILOT_APPLICATION_NAME}', cdk.app).replace('${COPILOT_ENVIRONMENT_NAME}', ENVIRONMENT));
    }
    expect(container.secretParameters.DB_SECRET).toMatch(new RegExp(`^${DATABASE_SECRET_PREFIX}`));
  });

  test('the worker runs `celery worker` after the migrations, without the first superuser\'s secrets', () => {
    const [worker] = readCdkTaskDefinition(project, ENVIRONMENT, template, WORKER).containers;
    expect(worker.command).toEqual(['celery', '-A', 'copilot_deploy.celery', 'worker', '--loglevel', 'INFO', '--concurrency', '2']);
    expect(worker.entrypoint).toBeUndefined();
    expect(worker.variables.DJANGO_START_UP).toBe('wait-for-migrations');
    expect([...worker.secrets].sort()).toEqual(['DB_SECRET', 'DJANGO_SECRET_KEY']);
  });

  test("REDIS_URL is reported as the value the environment's cache gives, in the web service's, the worker's and the job's tasks", () => {
    const [[cacheId]] = resourcesOfType(template, 'AWS::ElastiCache::ServerlessCache');
    const endpoint = (part: string) => ({ 'Fn::GetAtt': [cacheId, `Endpoint.${part}`] });
    const redisUrl = JSON.stringify({ 'Fn::Join': ['', ['rediss://', endpoint('Address'), ':', endpoint('Port'), '/0']] });
    const [[balancerId]] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const [web] = readCdkTaskDefinition(project, ENVIRONMENT, template).containers;
    expect(web.variableExports).toEqual({ REDIS_URL: redisUrl, COPILOT_LB_DNS: JSON.stringify({ 'Fn::GetAtt': [balancerId, 'DNSName'] }) });
    for (const name of [WORKER, JOB]) {
      const [container] = readCdkTaskDefinition(project, ENVIRONMENT, template, name).containers;
      expect(container.variableExports).toEqual({ REDIS_URL: redisUrl });
      expect(container.variables.REDIS_URL).toBeUndefined();
    }
  });

  test('without a container name the web service\'s task is read (the one the load balancer targets); a name no task has is refused', () => {
    const web = readCdkTaskDefinition(project, ENVIRONMENT, template);
    expect(web.containers.map((container) => container.name)).toEqual(['django', 'nginx']);
    expect(web.target).toEqual({ container: 'nginx', port: 8080 });
    expect(() => readCdkTaskDefinition(project, ENVIRONMENT, template, 'no-such-container')).toThrow(
      '0 of the synthesized template\'s 3 AWS::ECS::TaskDefinition resources have a container named no-such-container',
    );
  });
});

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres', 'celery', 'redis']);

describeTask("the CDK app's worker and job in the task simulation", () => {
  let simulation: Simulation;
  let redis: RedisServer;
  let web: Deployment;
  let worker: Deployment;
  let job: Deployment;
  let database: Database;
  let webSecrets: Record<string, string>;
  let webTask: Task;
  let workerTask: Task;

  /** The test's stand-ins for what deployed resources give: the load balancer's DNS name, the cache's URL. */
  const deployed = () => ({ COPILOT_LB_DNS: web.loadBalancerDns, REDIS_URL: redis.url });
  /** The web task's secret values for the secrets `definition` names (DB_SECRET comes with the database). */
  const secretsOf = (definition: TaskDefinition) => Object.fromEntries(Object.keys(secretsFor(definition)).map((name) => [name, webSecrets[name]]));

  const events = async (token: string) =>
    (await simulation.postgres.query(database.name, `SELECT kind FROM probe_event WHERE token = '${token}' ORDER BY id`)).split('\n').filter(Boolean);
  const output = () => workerTask.container(WORKER).process.logs();
  const waitForEvents = (token: string, expected: string[]) =>
    waitFor(`${token}: ${expected.join(', ')}`, async () => ((await events(token)).join(',') === expected.join(',') ? true : undefined), {
      patienceMs: 60_000,
      context: () => `${output()}\n${redis.logs()}`,
    });

  async function enqueue(token: string): Promise<void> {
    const response = await webTask.request({ path: `/probe/enqueue/?token=${token}`, headers: { Host: web.loadBalancerDns } }).catch((error: Error) => {
      throw new Error(`${error.message}\n${webTask.logs()}\n${redis.logs()}`);
    });
    expect(response.status).toBe(202);
  }

  beforeAll(async () => {
    simulation = await Simulation.start();
    redis = await RedisServer.start(simulation.scratch, simulation.vpc);
    web = await deployCdkTask(simulation, readCdkTaskDefinition(project, ENVIRONMENT, template));
    worker = onDjangoImage(readCdkTaskDefinition(project, ENVIRONMENT, template, WORKER), web);
    job = onDjangoImage(readCdkTaskDefinition(project, ENVIRONMENT, template, JOB), web);
    database = await simulation.createDatabase();
    webSecrets = secretsFor(web.definition);
  }, 180_000);

  afterAll(async () => {
    await workerTask?.stop({ stopTimeoutSeconds: 1 }).catch(() => undefined);
    await webTask?.stop({ stopTimeoutSeconds: 1 }).catch(() => undefined);
    await simulation?.teardown();
  });

  test('a worker started before the web service waits for its migrations, runs no start-up step, then takes tasks', async () => {
    const [container] = worker.definition.containers;
    workerTask = await simulation.startTask(worker, { database, volumes: {}, secrets: secretsOf(worker.definition), variables: { [WORKER]: deployedValues(container, deployed()) } });
    await waitFor('the worker to wait for the migrations', () => (output().includes('wait_for_migrations: waiting') ? true : undefined), { patienceMs: 60_000, context: output });
    expect(await simulation.postgres.query(database.name, "SELECT count(*) FROM pg_tables WHERE tablename = 'django_migrations'")).toBe('0');

    const variables = Object.fromEntries(web.definition.containers.map((candidate) => [candidate.name, { DRAIN_SECONDS: '0', ...deployedValues(candidate, deployed()) }]));
    webTask = await simulation.startTask(web, { database, volumes: simulation.createVolumes(web.definition), secrets: webSecrets, variables });
    await webTask.waitHealthy();
    await waitFor('the worker to take tasks', () => (/celery@\S+ ready\./.test(output()) ? true : undefined), { patienceMs: 60_000, context: output });
    expect(output()).toContain('wait_for_migrations: every migration is applied; the worker starts.');
    expect(output()).not.toContain('collecting static files');
    expect(output()).not.toMatch(/Applying \w+\.\d{4}/);
  }, 180_000);

  test('a task enqueued by a view of the web service runs in the worker', async () => {
    await enqueue('plain');
    await waitForEvents('plain', ['started']);
    await simulation.postgres.query(database.name, "INSERT INTO probe_event (token, kind) VALUES ('plain', 'release')");
    await waitForEvents('plain', ['started', 'release', 'finished']);
    expect(output()).toMatch(/Task probe\.tasks\.hold_then_finish\[[\w-]+\] succeeded/);
  }, 120_000);

  test('SIGTERM is a warm shutdown: the running task finishes, the worker exits 0 within its StopTimeout', async () => {
    expect(worker.definition.stopTimeouts[WORKER]).toBe(120);
    await enqueue('warm');
    await waitForEvents('warm', ['started']);
    const stopping = workerTask.stopContainer(WORKER);
    await waitFor('the warm shutdown to begin', () => (/worker: Warm shutdown/.test(output()) ? true : undefined), { patienceMs: 30_000, context: output });
    await simulation.postgres.query(database.name, "INSERT INTO probe_event (token, kind) VALUES ('warm', 'release')");
    expect(await stopping).toMatchObject({ code: 0, killedAtStopTimeout: false });
    expect(await events('warm')).toEqual(['started', 'release', 'finished']);
  }, 180_000);

  test("the job's task clears expired sessions from the migrated database and ends with 0", async () => {
    const [container] = job.definition.containers;
    await simulation.postgres.query(
      database.name,
      "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('expired0000000000000000000000000', 'e30', now() - interval '1 day'), ('current0000000000000000000000000', 'e30', now() + interval '1 day')",
    );
    const task = await simulation.startTask(job, { database, volumes: {}, secrets: secretsOf(job.definition), variables: { [JOB]: deployedValues(container, deployed()) } });
    const exit = await task.exited(JOB, 60_000);
    const logs = task.logs();
    await task.stop();
    expect([exit, logs]).toEqual([{ code: 0, signal: null }, expect.any(String)]);
    expect(await simulation.postgres.query(database.name, 'SELECT session_key FROM django_session ORDER BY 1')).toBe('current0000000000000000000000000');
  }, 120_000);
});
