/**
 * Scheduled jobs (--jobs): Django's housekeeping (`manage.py clearsessions`) as a Copilot Scheduled Job on the
 * service's image, deployed by every pipeline with the service and the same image tag.
 * What Copilot makes of the manifest is its own code's answer, kept in test/data/copilot-job/ by
 * scripts/copilot-job.mjs (CI cannot build Copilot); the job's command runs in the task simulation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { LAMBDA_RUNTIME } from '../generators/shared/lambdas.js';
import { checkManifest } from './support/copilot-schema.js';
import { parseTemplate } from './support/cloudformation.js';
import { DEMO_FLAGS, generateProject, listFiles, readText, readYaml, runApp, runCli, snapshot, temporaryFolder } from './support/generate.js';
import { describeWith } from './support/programs.js';
import { readJobDefinition } from './support/task/manifest.js';
import type { Database } from './support/task/postgres.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task } from './support/task/task.js';

const DATA = join(import.meta.dirname, 'data/copilot-job');
const JOB = 'copilot/housekeeping/manifest.yml';

interface Variant {
  variant: string;
  flags: string[];
  job: string;
  manifest: string;
  patches: string;
  rendered: Record<string, string>;
  parameters: Record<string, Record<string, string>>;
}
const { variants } = JSON.parse(readFileSync(join(DATA, 'index.json'), 'utf8')) as { variants: Variant[] };

describe.each(variants)('the job Copilot renders: $variant', (variant) => {
  let project: string;

  beforeAll(async () => {
    project = temporaryFolder();
    const result = await runCli(['--yes', '--app', 'demo', '--repository', 'https://github.com/example/demo', ...variant.flags], project);
    expect(result.code).toBe(0);
  });

  test('the data is about the manifest and patches this generator writes (else: node scripts/copilot-job.mjs)', () => {
    expect(readText(project, JOB)).toBe(variant.manifest);
    expect(readText(project, 'copilot/housekeeping/overrides/cfn.patches.yml')).toBe(variant.patches);
  });

  test("the manifest has only keys of Copilot's Scheduled Job", () => {
    expect(checkManifest('job', parse(variant.manifest))).toEqual([]);
  });

  test.each(Object.keys(variant.rendered))('in %s: nightly clearsessions on the service image, its secrets and the database, every function on the patched runtime', (environment) => {
    const template = parseTemplate(readFileSync(join(DATA, variant.rendered[environment]), 'utf8'));
    const parameters = variant.parameters[environment];
    // Copilot turned the 5-field cron into EventBridge's 6-field form.
    expect(parameters.Schedule).toBe('cron(17 3 * * ? *)');
    const [container] = template.Resources.TaskDefinition.Properties.ContainerDefinitions;
    expect(container.EntryPoint).toEqual(['python', 'manage.py']);
    expect(container.Command).toEqual(['clearsessions']);
    const secrets = Object.fromEntries(container.Secrets.map((secret: { Name: string; ValueFrom: unknown }) => [secret.Name, secret.ValueFrom]));
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['DJANGO_SECRET_KEY', 'DB_SECRET']));
    expect(secrets.DB_SECRET).toEqual({ 'Fn::ImportValue': `demo-${environment}-dbAuroraSecret` });
    // The task wears the database's security group, so the environment's database admits it.
    expect(JSON.stringify(template.Resources.StateMachine.Properties.DefinitionSubstitutions.SecurityGroups)).toContain(`demo-${environment}-dbSecurityGroup`);
    const functions = Object.values(template.Resources as Record<string, { Type: string; Properties: { Runtime?: string } }>).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe(LAMBDA_RUNTIME);
    // Every variable has a value: CloudFormation refuses an environment entry without one.
    for (const variable of container.Environment) expect([variable.Name, variable.Value ?? 'no value']).not.toEqual([variable.Name, 'no value']);
  });

  test.each(Object.keys(variant.rendered))("in %s: with the worker, Redis's URL and security group, without which the settings refuse to start in the cloud", (environment) => {
    const template = parseTemplate(readFileSync(join(DATA, variant.rendered[environment]), 'utf8'));
    const [container] = template.Resources.TaskDefinition.Properties.ContainerDefinitions;
    const redisUrl = (container.Environment as Array<{ Name: string; Value: unknown }>).find((variable) => variable.Name === 'REDIS_URL');
    const securityGroups = JSON.stringify(template.Resources.StateMachine.Properties.DefinitionSubstitutions.SecurityGroups);
    if (variant.flags.includes('--worker')) {
      expect(redisUrl?.Value).toEqual({ 'Fn::ImportValue': `demo-${environment}-redisBrokerUrl` });
      expect(securityGroups).toContain(`demo-${environment}-redisSecurityGroup`);
    } else {
      expect(redisUrl).toBeUndefined();
      expect(securityGroups).not.toContain('redis');
    }
  });
});

describe('the pipelines', () => {
  let project: string;

  beforeAll(async () => {
    project = await generateProject({ ...DEMO_FLAGS, jobs: true });
  });

  test('each stage deploys the service, then the job', () => {
    for (const pipeline of ['demo-develop', 'demo-main']) {
      const manifest = readYaml(project, `copilot/pipelines/${pipeline}/manifest.yml`);
      expect(checkManifest('pipeline', manifest)).toEqual([]);
      expect(manifest.stages[0].deployments).toEqual({ django: null, housekeeping: { depends_on: ['django'] } });
    }
  });

  /** Runs the buildspec's post_build commands in bash, one shell as CodeBuild does, with a stand-in Copilot. */
  function postBuild(failOn?: string): { status: number | null; calls: string[] } {
    const buildspec = readYaml(project, 'copilot/pipelines/demo-develop/buildspec.yml');
    const source = temporaryFolder('copilot-django-post-build-');
    // The stand-in records its arguments and fails for `failOn`, as a package of a broken manifest would.
    writeFileSync(
      join(source, 'copilot-linux'),
      `#!/bin/sh\necho "$*" >> calls\n[ -n "$FAIL_ON" ] && [ "$4" = "$FAIL_ON" ] && exit 1\nmkdir -p infrastructure\nexit 0\n`,
      { mode: 0o755 },
    );
    const script = (buildspec.phases.post_build.commands as string[]).map((command) => `${command}\n[ $? -eq 0 ] || exit 1`).join('\n');
    const result = spawnSync('bash', ['-c', script], {
      cwd: source,
      encoding: 'utf8',
      env: { ...buildspec.env.variables, PATH: process.env.PATH, CODEBUILD_BUILD_ID: 'demo-develop:0f1e2d3c', FAIL_ON: failOn ?? '' },
    });
    const calls = existsSync(join(source, 'calls')) ? readFileSync(join(source, 'calls'), 'utf8').trim().split('\n') : [];
    return { status: result.status, calls };
  }

  test('the build packages the service and the job with one image tag', () => {
    const { status, calls } = postBuild();
    expect(status).toBe(0);
    expect(calls).toEqual([
      'svc package -n django -e dev --output-dir ./infrastructure --tag 0f1e2d3c-dev --upload-assets',
      'job package -n housekeeping -e dev --output-dir ./infrastructure --tag 0f1e2d3c-dev --upload-assets',
    ]);
  });

  test('a package that fails fails the build, and nothing after it runs', () => {
    expect(postBuild('django')).toMatchObject({ status: 1, calls: ['svc package -n django -e dev --output-dir ./infrastructure --tag 0f1e2d3c-dev --upload-assets'] });
    expect(postBuild('housekeeping').status).toBe(1);
  });
});

describe('turning jobs off on a re-run', () => {
  test('is refused without --remove-jobs, naming what it would delete; nothing changes', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, jobs: true });
    const before = snapshot(cwd);
    const result = await runCli(['--yes', '--jobs=no'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--jobs=no turns off the scheduled jobs: removing deletes ${JOB}. Pass --remove-jobs to do so.`);
    expect(snapshot(cwd)).toEqual(before);
  });

  test('with --remove-jobs the job goes, its patches with it, and the pipelines deploy the service alone', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, jobs: true });
    await runApp({ yes: true, jobs: false, 'remove-jobs': true }, { cwd });
    expect(listFiles(cwd).filter((file) => file.startsWith('copilot/housekeeping/'))).toEqual([]);
    expect(readYaml(cwd, 'copilot/pipelines/demo-main/manifest.yml').stages[0].deployments).toEqual({ django: null });
    expect(readYaml(cwd, 'copilot/pipelines/demo-main/buildspec.yml').env.variables.COPILOT_JOBS).toBe('');
  });

  test('a job manifest the user changed is kept and told', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, jobs: true });
    writeFileSync(join(cwd, JOB), readText(cwd, JOB).replace('retries: 1', 'retries: 3'));
    const result = await runCli(['--yes', '--jobs=no', '--remove-jobs'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain(`Kept ${JOB}: it was changed since it was generated`);
    expect(readText(cwd, JOB)).toContain('retries: 3');
  });
});

describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres'])('the job in the task simulation', () => {
  let simulation: Simulation;
  let deployment: Deployment;
  let database: Database;
  let secrets: Record<string, string>;
  let web: Task;
  let project: string;

  beforeAll(async () => {
    simulation = await Simulation.start();
    project = await generateProject({ ...DEMO_FLAGS, jobs: true });
    deployment = await simulation.deploy(project, 'dev');
    database = await simulation.createDatabase();
    secrets = secretsFor(deployment.definition);
    const variables = Object.fromEntries(deployment.definition.containers.map((container) => [container.name, { DRAIN_SECONDS: '0' }]));
    web = await simulation.startTask(deployment, { database, volumes: simulation.createVolumes(deployment.definition), secrets, variables });
    await web.waitHealthy();
  }, 180_000);

  afterAll(async () => {
    await web?.stop();
    await simulation?.teardown();
  });

  test("the job's command, on the service's image, clears expired sessions from the migrated database and ends", async () => {
    const definition = readJobDefinition(project, 'dev', 'housekeeping');
    const [job] = definition.containers;
    // The same Dockerfile and context as the service: Copilot builds the same image for it.
    expect({ dockerfile: job.dockerfile, context: job.context }).toEqual({ dockerfile: deployment.definition.containers[0].dockerfile, context: deployment.definition.containers[0].context });
    await simulation.postgres.query(
      database.name,
      "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('expired0000000000000000000000000', 'e30', now() - interval '1 day'), ('current0000000000000000000000000', 'e30', now() + interval '1 day')",
    );
    const jobSecrets = Object.fromEntries(Object.keys(secretsFor(definition)).map((name) => [name, secrets[name]]));
    const task = await simulation.startTask({ definition, images: { [job.name]: deployment.images[deployment.definition.containers[0].name] }, loadBalancerDns: '' }, { database, volumes: {}, secrets: jobSecrets });
    const exit = await task.exited(job.name, 60_000);
    const logs = task.logs();
    await task.stop();
    expect([exit, logs]).toEqual([{ code: 0, signal: null }, expect.any(String)]);
    expect(await simulation.postgres.query(database.name, 'SELECT session_key FROM django_session ORDER BY 1')).toBe('current0000000000000000000000000');
  }, 120_000);
});

test("the guide shows how to schedule the team's own management command", async () => {
  const project = await generateProject({ ...DEMO_FLAGS, jobs: true });
  const guide = readText(project, 'copilot/README.md');
  expect(guide).toContain('### Scheduled jobs');
  expect(guide).toContain('COPILOT_JOBS');
});

describe('the media bucket for the worker and the job', () => {
  test('each gets the service\'s access addon, which goes with it, or with the bucket', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, media: 's3', worker: 'celery', jobs: true });
    const addon = readText(cwd, 'copilot/django/addons/media.yml');
    expect(readText(cwd, 'copilot/django-worker/addons/media.yml')).toBe(addon);
    expect(readText(cwd, 'copilot/housekeeping/addons/media.yml')).toBe(addon);
    await runApp({ yes: true, jobs: false, 'remove-jobs': true }, { cwd });
    expect(listFiles(cwd).filter((file) => file.startsWith('copilot/housekeeping/'))).toEqual([]);
    expect(listFiles(cwd)).toEqual(expect.arrayContaining(['copilot/django/addons/media.yml', 'copilot/django-worker/addons/media.yml']));
    await runApp({ yes: true, media: 'none', 'remove-media': true }, { cwd });
    expect(listFiles(cwd).filter((file) => file.endsWith('/addons/media.yml'))).toEqual([]);
    expect(listFiles(cwd)).toContain('copilot/django-worker/manifest.yml');
  });
});

test('a project with media, a worker and jobs, run again without them: told what would go, nothing removed without consent', async () => {
  const cwd = await generateProject({ ...DEMO_FLAGS, media: 's3', worker: 'celery', jobs: true });
  const before = snapshot(cwd);
  const result = await runCli(['--yes', '--media', 'none', '--worker', 'none', '--jobs=no'], cwd);
  expect(result.code).toBe(1);
  for (const [flag, consent, file] of [
    ['--media none', '--remove-media', 'copilot/environments/addons/media.yml'],
    ['--worker none', '--remove-worker', 'copilot/django-worker/manifest.yml'],
    ['--jobs=no', '--remove-jobs', JOB],
  ]) {
    expect(result.stderr).toMatch(new RegExp(`${flag} turns off [^\\n]*${file.replace(/[./]/g, '\\$&')}[^\\n]*Pass ${consent} to do so\\.`));
  }
  expect(snapshot(cwd)).toEqual(before);
  // Consent for one part is not enough: each part turned off needs its own, and until then nothing is written.
  const partial = await runCli(['--yes', '--media', 'none', '--worker', 'none', '--jobs=no', '--remove-jobs'], cwd);
  expect(partial.code).toBe(1);
  expect(snapshot(cwd)).toEqual(before);
  expect((await runCli(['--yes', '--media', 'none', '--worker', 'none', '--jobs=no', '--remove-media', '--remove-worker', '--remove-jobs'], cwd)).code).toBe(0);
  expect(listFiles(cwd).filter((file) => /addons\/(media|redis)\.yml$|django-worker|housekeeping/.test(file))).toEqual([]);
});
