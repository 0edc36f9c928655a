/**
 * --target cdk: the ECS task of the generated CDK app, as `cdk synth` writes it (offline, support/cdk.ts), started in
 * the task simulation (test/support/task/) from the SYNTHESIZED task definition (support/task/cdk-definition.ts: the
 * template and cdk.out's asset manifests, never the Copilot manifest), its images built from the contexts CDK staged.
 * It passes the checks the Copilot task passes in task-simulation.test.ts, and agrees with the Copilot task
 * definition of the same project where both must: containers, ports, mounts, secrets, stop timeouts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesOfType } from './support/cloudformation.js';
import { synthesize, type Synthesis } from './support/cdk.js';
import { generateProject } from './support/generate.js';
import { describeWith } from './support/programs.js';
import { modificationTimes, readStaticManifest } from './support/static-manifest.js';
import { DATABASE_SECRET_PREFIX, deployCdkTask, readCdkTaskDefinition } from './support/task/cdk-definition.js';
import { readTaskDefinition, type TaskDefinition } from './support/task/manifest.js';
import { header } from './support/task/network.js';
import type { Database } from './support/task/postgres.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task } from './support/task/task.js';
import { expectAdminLogin, expectForeignHostRefused, expectHealthyThroughNginx } from './support/task/checks.js';

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres']);
const REPOSITORY = 'https://github.com/example/demo';

const CDK_SETS = [
  { label: 'domain, Spot, two branches', flags: { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: REPOSITORY, target: 'cdk' }, environment: 'dev' },
  {
    label: 'no domain, no Spot, service "web"',
    flags: { app: 'shop', service: 'web', domain: '', 'allow-http': true, branches: 'develop:dev,main:prod', spot: false, repository: REPOSITORY, target: 'cdk' },
    environment: 'prod',
  },
];

type Template = Record<string, any>;

/**
 * The name a browser uses for the stack's service: the Route 53 record's name over HTTPS when the stack has one,
 * else the load balancer's DNS name over HTTP.
 */
function publicHost(template: Template, deployment: Deployment): { scheme: 'http' | 'https'; host: string } {
  const records = resourcesOfType(template, 'AWS::Route53::RecordSet');
  const https = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener').some(([, listener]) => listener.Properties.Protocol === 'HTTPS');
  if (records.length === 1 && https) return { scheme: 'https', host: String(records[0][1].Properties.Name).replace(/\.$/, '') };
  return { scheme: 'http', host: deployment.loadBalancerDns };
}

/**
 * Each container's variables as the test sets them: no drain on stop (as task-simulation.test.ts), and the values
 * deployed resources give (the load balancer's DNS name for COPILOT_LB_DNS).
 */
function taskVariables(deployment: Deployment): Record<string, Record<string, string>> {
  return Object.fromEntries(
    deployment.definition.containers.map((container) => [
      container.name,
      { DRAIN_SECONDS: '0', ...Object.fromEntries(Object.keys(container.variableExports ?? {}).map((name) => [name, deployment.loadBalancerDns])) },
    ]),
  );
}

/** The volume Django and the load balancer's target both mount. */
function sharedVolume(definition: TaskDefinition): { volume: string; djangoPath: string; targetPath: string; targetReadOnly: boolean } {
  const [django] = definition.containers;
  const target = definition.containers.find((container) => container.name === definition.target.container)!;
  const mount = django.mounts.find((candidate) => target.mounts.some((other) => other.volume === candidate.volume));
  if (!mount) throw new Error(`no volume is mounted by both ${django.name} and ${target.name}`);
  const targetMount = target.mounts.find((other) => other.volume === mount.volume)!;
  return { volume: mount.volume, djangoPath: mount.path, targetPath: targetMount.path, targetReadOnly: targetMount.readOnly };
}

/** What the Copilot and the CDK task definitions must agree on, in a form both give. */
function shape(definition: TaskDefinition) {
  return {
    containers: definition.containers
      .map((container) => ({
        name: container.name,
        port: container.port,
        mounts: container.mounts.map(({ path, readOnly }) => ({ path, readOnly })),
        secrets: [...container.secrets].sort(),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    target: definition.target,
    healthCheck: definition.healthCheck,
    volumes: Object.values(definition.volumes),
    stopTimeouts: definition.stopTimeouts,
  };
}

describeTask('the CDK app\'s synthesized ECS task on the real programs', () => {
  let simulation: Simulation;

  beforeAll(async () => {
    simulation = await Simulation.start();
  }, 60_000);

  afterAll(async () => {
    await simulation?.teardown();
  });

  describe.each(CDK_SETS)('$label', ({ flags, environment }) => {
    let project: string;
    let synthesis: Synthesis;
    let template: Template;
    let deployment: Deployment;
    let database: Database;
    let volumes: Record<string, string>;
    let secrets: Record<string, string>;
    let task: Task;

    const start = () => simulation.startTask(deployment, { database, volumes, secrets, variables: taskVariables(deployment) });

    beforeAll(async () => {
      project = await generateProject(flags);
      synthesis = await synthesize(project);
      [template] = Object.values(synthesis.templates).filter((candidate) =>
        resourcesOfType(candidate, 'AWS::ECS::TaskDefinition').some(([, definition]) =>
          (definition.Properties.ContainerDefinitions as Array<{ Environment?: Array<{ Name: string; Value: unknown }> }>).some((container) =>
            container.Environment?.some((variable) => variable.Name === 'COPILOT_ENVIRONMENT_NAME' && variable.Value === environment),
          ),
        ),
      );
      deployment = await deployCdkTask(simulation, readCdkTaskDefinition(project, environment, template));
      database = await simulation.createDatabase();
      volumes = simulation.createVolumes(deployment.definition);
      secrets = secretsFor(deployment.definition);
      task = await start();
      await task.waitHealthy();
    }, 240_000);

    afterAll(async () => {
      await task?.stop();
    });

    test('the synthesized task agrees with the Copilot task of the same project: containers, ports, mounts, secrets, stop timeouts, health check', () => {
      const cdk = deployment.definition;
      const copilot = readTaskDefinition(project, environment);
      expect(shape(cdk)).toEqual(shape(copilot));
      // The same Dockerfiles: what CDK staged in cdk.out is the project's own.
      for (const container of cdk.containers) {
        const own = copilot.containers.find((candidate) => candidate.name === container.name)!;
        expect(readFileSync(container.dockerfile, 'utf8')).toBe(readFileSync(own.dockerfile, 'utf8'));
        expect(container.context).toContain(join(project, 'infra', 'cdk.out', 'asset.'));
        // Every variable the manifest sets, with its value.
        expect(container.variables).toEqual(expect.objectContaining(own.variables));
      }
      // The Django secrets from the SSM parameters Copilot created; DB_SECRET from the database cluster's own secret.
      const [django] = cdk.containers;
      const [copilotDjango] = copilot.containers;
      for (const [name, parameter] of Object.entries(copilotDjango.secretParameters).filter(([name]) => name !== 'DB_SECRET')) {
        expect(django.secretParameters[name]).toBe(parameter.replace('${COPILOT_APPLICATION_NAME}', cdk.app).replace('${COPILOT_ENVIRONMENT_NAME}', environment));
      }
      expect(django.secretParameters.DB_SECRET).toMatch(new RegExp(`^${DATABASE_SECRET_PREFIX}`));
      // The one variable a deployed resource gives: the load balancer's DNS name.
      const [[balancerId]] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(django.variableExports).toEqual({ COPILOT_LB_DNS: JSON.stringify({ 'Fn::GetAtt': [balancerId, 'DNSName'] }) });
    });

    test('the health check, with the task private IP as Host, answers 200 through nginx', async () => {
      await expectHealthyThroughNginx(simulation, deployment, task);
    });

    test('a Host that is not the app answers 400', async () => {
      await expectForeignHostRefused(deployment, task);
    });

    test('the admin login works through the load balancer with the superuser created from the secrets', async () => {
      expect(Number(await simulation.postgres.query(database.name, 'SELECT count(*) FROM auth_user WHERE is_superuser'))).toBe(1);
      const { scheme, host } = publicHost(template, deployment);
      await expectAdminLogin(task, scheme, host, secrets);
    });

    // The last test on the first task: it stops the Django container to show nginx alone serves static files.
    test('static files come from the shared volume, which nginx mounts read-only, and are answered by nginx', async () => {
      const { definition } = deployment;
      const django = definition.containers[0];
      const shared = sharedVolume(definition);
      expect(shared.targetReadOnly).toBe(true);
      const settings = await task.exec(django.name, [
        'python',
        '-c',
        'import django, json; django.setup(); from django.conf import settings as s; print(json.dumps([s.STATIC_URL, str(s.STATIC_ROOT)]))',
      ]);
      const [staticUrl, staticRoot] = JSON.parse(settings.stdout) as [string, string];
      expect(staticRoot).toBe(shared.djangoPath);
      const volume = task.volumePath(shared.volume);
      const hashed = readStaticManifest(volume).paths['admin/css/base.css'];
      expect(hashed).toMatch(/^admin\/css\/base\.[0-9a-f]{12}\.css$/);
      const fetchStatic = () => task.request({ path: `${staticUrl}${hashed}`, headers: { Host: publicHost(template, deployment).host } });
      const response = await fetchStatic();
      expect(response.status).toBe(200);
      expect(Buffer.compare(response.body, readFileSync(join(volume, hashed)))).toBe(0);
      expect(header(response, 'server')).toBe('nginx');
      expect(header(response, 'x-frame-options')).toBeUndefined();
      expect(task.container(django.name).process.logs()).not.toContain(`${staticUrl}${hashed}`);

      // The mount is read-only inside the nginx container: a write there fails.
      const write = await task.exec(definition.target.container, ['/bin/sh', '-c', `echo x > ${shared.targetPath}/written-by-nginx`]);
      expect(write.code).not.toBe(0);
      expect(`${write.stdout}${write.stderr}`).toMatch(/read-only/i);

      await task.stopContainer(django.name);
      expect((await fetchStatic()).status).toBe(200);
      expect((await task.healthCheck()).status).toBe(502);
    });

    test('a replaced task on the same database and volume skips the start-up steps and is healthy again', async () => {
      const djangoName = deployment.definition.containers[0].name;
      const volume = task.volumePath(sharedVolume(deployment.definition).volume);
      expect(task.container(djangoName).process.logs()).toContain('record_start: recorded;');
      const collected = modificationTimes(volume);
      await task.stop();
      task = await start();
      await task.waitHealthy();
      const logs = task.container(djangoName).process.logs();
      expect(logs).toContain('entrypoint: start-up steps skipped: this image and task definition (revision 1) started on this database and static volume before');
      expect(modificationTimes(volume)).toEqual(collected);
      expect(Number(await simulation.postgres.query(database.name, 'SELECT count(*) FROM auth_user WHERE is_superuser'))).toBe(1);
      expect((await task.healthCheck()).status).toBe(200);
    }, 120_000);
  });
});
