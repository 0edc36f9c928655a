/**
 * The generated project's ECS task, started on this machine as Fargate would start it (test/support/task/):
 * its containers built from the project's Dockerfiles, wired as its service manifest says, talking to PostgreSQL
 * and the ECS metadata endpoint over the task's network. Every request below comes from the load balancer's side.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describeWith, PYTHON } from './support/programs.js';
import { modificationTimes, readStaticManifest } from './support/static-manifest.js';
import type { TaskDefinition } from './support/task/manifest.js';
import { header, type HttpResponse } from './support/task/network.js';
import { EXISTING_PROJECT_SETS, OPTION_SETS, projectFor, RERUN_SET } from './support/task/option-sets.js';
import type { Database } from './support/task/postgres.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task } from './support/task/task.js';
import { expectAdminLogin, expectForeignHostRefused, expectHealthyThroughNginx } from './support/task/checks.js';

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres']);

/**
 * No drain on stop (DRAIN_SECONDS 0, as the local compose run has it): these tests stop many tasks, and
 * task-faults.test.ts proves the drain the generated DRAIN_SECONDS gives (the deregistration delay) on its own.
 */
function quickStop(definition: TaskDefinition): Record<string, Record<string, string>> {
  return Object.fromEntries(definition.containers.map((container) => [container.name, { DRAIN_SECONDS: '0' }]));
}

/** A figure for the test output, not an assertion. */
function report(label: string, ms: number) {
  process.stdout.write(`[task simulation] ${label}: healthy ${(ms / 1000).toFixed(1)} s after the task started\n`);
}

/** The name a browser uses: Copilot's service domain with a domain (<service>.<env>.<app>.<domain>), else the ALB's. */
function publicHost(deployment: Deployment): { scheme: 'http' | 'https'; host: string } {
  const { definition } = deployment;
  const domain = definition.containers[0].variables.DJANGO_DOMAIN;
  return domain
    ? { scheme: 'https', host: `${definition.service}.${definition.environment}.${definition.app}.${domain}` }
    : { scheme: 'http', host: deployment.loadBalancerDns };
}

/** Django's own copy of the admin stylesheet, in the Django the containers run. */
function djangoAdminCss(): Buffer {
  const djangoDir = execFileSync(PYTHON, ['-c', 'import django, os; print(os.path.dirname(django.__file__))'], { encoding: 'utf8' }).trim();
  return readFileSync(join(djangoDir, 'contrib/admin/static/admin/css/base.css'));
}

/** The volume both Django and the load balancer's target container mount: the static files' way to nginx. */
function sharedVolume(definition: TaskDefinition): { volume: string; djangoPath: string } {
  const [django] = definition.containers;
  const target = definition.containers.find((container) => container.name === definition.target.container);
  const mount = django.mounts.find((candidate) => target?.mounts.some((other) => other.volume === candidate.volume));
  if (!mount) throw new Error(`no volume is mounted by both ${django.name} and ${definition.target.container}`);
  return { volume: mount.volume, djangoPath: mount.path };
}

describeTask('the generated ECS task on the real programs', () => {
  let simulation: Simulation;

  beforeAll(async () => {
    simulation = await Simulation.start();
  }, 60_000);

  afterAll(async () => {
    await simulation?.teardown();
  });

  async function superuserCount(database: Database): Promise<number> {
    return Number(await simulation.postgres.query(database.name, 'SELECT count(*) FROM auth_user WHERE is_superuser'));
  }

  describe.each([...OPTION_SETS, RERUN_SET, ...EXISTING_PROJECT_SETS])('$label', (optionSet) => {
    const { flags, environment } = optionSet;
    let deployment: Deployment;
    let database: Database;
    let volumes: Record<string, string>;
    let secrets: Record<string, string>;
    let task: Task;

    beforeAll(async () => {
      const project = await projectFor(optionSet);
      deployment = await simulation.deploy(project, environment);
      database = await simulation.createDatabase();
      volumes = simulation.createVolumes(deployment.definition);
      secrets = secretsFor(deployment.definition);
      task = await simulation.startTask(deployment, { database, volumes, secrets, variables: quickStop(deployment.definition) });
      report(`${flags.app}/${environment} first start`, await task.waitHealthy());
    }, 120_000);

    afterAll(async () => {
      await task?.stop();
    });

    test('the health check, with the task private IP as Host, answers 200 through nginx', async () => {
      await expectHealthyThroughNginx(simulation, deployment, task);
    });

    test('a Host that is not the app answers 400', async () => {
      await expectForeignHostRefused(deployment, task);
    });

    test('the admin login works through the load balancer with the superuser from the secrets', async () => {
      const { scheme, host } = publicHost(deployment);
      const login = await expectAdminLogin(task, scheme, host, secrets);
      const sessionCookie = (login.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('sessionid='));
      expect(sessionCookie).toBeDefined();
      // Behind HTTPS the session cookie never travels over plain HTTP; without a domain it must, or no login.
      expect(/;\s*Secure/i.test(sessionCookie ?? '')).toBe(scheme === 'https');
    });

    test("manage.py check --deploy --fail-level WARNING is clean with the task's environment", async () => {
      const django = deployment.definition.containers[0].name;
      const check = await task.exec(django, ['python', 'manage.py', 'check', '--deploy', '--fail-level', 'WARNING']);
      expect(`${check.stdout}${check.stderr}`).toContain('System check identified no issues');
      expect(check.code).toBe(0);
    });

    // The last test on the first task: it stops the Django container to show nginx alone serves static files.
    test('static files come from the shared volume and are answered by nginx, not Django', async () => {
      const { definition } = deployment;
      const django = definition.containers[0];
      const shared = sharedVolume(definition);
      // STATIC_URL and STATIC_ROOT as the running Django has them: collectstatic wrote to the shared volume.
      const settings = await task.exec(django.name, [
        'python',
        '-c',
        'import django, json; django.setup(); from django.conf import settings as s; print(json.dumps([s.STATIC_URL, str(s.STATIC_ROOT)]))',
      ]);
      const [staticUrl, staticRoot] = JSON.parse(settings.stdout) as [string, string];
      expect(staticRoot).toBe(shared.djangoPath);
      expect(staticUrl).toMatch(/^\/.+\/$/);
      const volume = task.volumePath(shared.volume);
      const manifest = readStaticManifest(volume);
      const hashed = manifest.paths['admin/css/base.css'];
      expect(hashed).toMatch(/^admin\/css\/base\.[0-9a-f]{12}\.css$/);
      const fetchStatic = (path: string) => task.request({ path: `${staticUrl}${path}`, headers: { Host: publicHost(deployment).host } });
      const expectFromVolume = (response: HttpResponse, path: string) => {
        expect(response.status).toBe(200);
        expect(Buffer.compare(response.body, readFileSync(join(volume, path)))).toBe(0);
        // Django's middleware would have added these; nginx's static location does not.
        expect(header(response, 'x-frame-options')).toBeUndefined();
        expect(header(response, 'server')).toBe('nginx');
      };

      const plain = await fetchStatic('admin/css/base.css');
      expectFromVolume(plain, 'admin/css/base.css');
      expect(Buffer.compare(plain.body, djangoAdminCss())).toBe(0);
      expect(header(plain, 'cache-control')).toBe('public, max-age=300');
      const hashedResponse = await fetchStatic(hashed);
      expectFromVolume(hashedResponse, hashed);
      // A hashed name never changes content: browsers and CDNs keep it for a year.
      expect(header(hashedResponse, 'cache-control')).toBe('public, max-age=31536000, immutable');

      // A client that accepts gzip gets the copy collectstatic compressed, with the same cache header.
      const compressed = await task.request({ path: `${staticUrl}${hashed}`, headers: { Host: publicHost(deployment).host, 'Accept-Encoding': 'gzip' } });
      expect(compressed.status).toBe(200);
      expect(header(compressed, 'content-encoding')).toBe('gzip');
      expect(header(compressed, 'vary')).toBe('Accept-Encoding');
      expect(header(compressed, 'cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.compare(gunzipSync(compressed.body), readFileSync(join(volume, hashed)))).toBe(0);
      expect(compressed.body.length).toBeLessThan(hashedResponse.body.length / 2);

      // `location /static` (no trailing slash) with the alias would let /static../ reach the volume's parent.
      const nginxMount = definition.containers.find((container) => container.name === definition.target.container)?.mounts.find((mount) => mount.volume === shared.volume);
      const escape = await task.request({
        path: `${staticUrl.replace(/\/$/, '')}../${posix.basename(nginxMount?.path ?? '')}/${manifest.name}`,
        headers: { Host: publicHost(deployment).host },
      });
      expect(escape.status).not.toBe(200);

      // The volume's bookkeeping files are there, and nginx does not hand them out.
      for (const bookkeeping of ['.collectstatic-fingerprint', '.start-fingerprint']) {
        expect(existsSync(join(volume, bookkeeping))).toBe(true);
        expect((await fetchStatic(bookkeeping)).status).toBe(404);
      }

      // Django never saw those requests: its access log (gunicorn's) has the health checks and nothing static.
      const djangoLogs = task.container(django.name).process.logs();
      expect(djangoLogs).toContain(definition.healthCheck.path);
      expect(djangoLogs).not.toContain(`${staticUrl}${hashed}`);
      expect(djangoLogs).not.toContain(`${staticUrl}admin/css/base.css`);

      // With Django stopped, nginx still answers static files from the volume, and 502 for the rest.
      await task.stopContainer(django.name);
      expectFromVolume(await fetchStatic(hashed), hashed);
      expect((await task.healthCheck()).status).toBe(502);
    });

    test('a replaced task on the same database and volume is healthy again: one superuser, static files and migrations left as they are', async () => {
      const { definition } = deployment;
      const djangoName = definition.containers[0].name;
      const volume = task.volumePath(sharedVolume(definition).volume);
      const passwordHash = () => simulation.postgres.query(database.name, 'SELECT password FROM auth_user WHERE is_superuser');
      const before = await passwordHash();
      const collected = modificationTimes(volume);
      expect(task.container(djangoName).process.logs()).toContain('record_start: recorded;');
      await task.stop();
      task = await simulation.startTask(deployment, { database, volumes, secrets, variables: quickStop(deployment.definition) });
      report(`${flags.app}/${environment} restart`, await task.waitHealthy());
      expect(await superuserCount(database)).toBe(1);
      // The start never resets the password (someone may have changed it since).
      expect(await passwordHash()).toBe(before);
      expect((await task.healthCheck()).status).toBe(200);

      // Same image, same task definition, same volume and database: the steps are skipped before Django starts,
      // from the ImageID and task definition revision the metadata endpoint gives and one query.
      const logs = task.container(djangoName).process.logs();
      expect(logs).toContain('entrypoint: start-up steps skipped: this image and task definition (revision 1) started on this database and static volume before');
      expect(logs).not.toContain('Waiting for the deploy lock');
      // Not one file on the volume rewritten, not even the manifest; nginx serves them as before.
      expect(modificationTimes(volume)).toEqual(collected);
      const manifest = readStaticManifest(volume);
      const hashed = manifest.paths['admin/css/base.css'];
      const response = await task.request({ path: `/static/${hashed}`, headers: { Host: publicHost(deployment).host } });
      expect(response.status).toBe(200);
      expect(Buffer.compare(response.body, readFileSync(join(volume, hashed)))).toBe(0);
    }, 120_000);

    test('a replaced task after a migration was unapplied by hand runs the steps again: the migration is back, static files left alone', async () => {
      const { definition } = deployment;
      const djangoName = definition.containers[0].name;
      const volume = task.volumePath(sharedVolume(definition).volume);
      const sessions = async () => Number(await simulation.postgres.query(database.name, "SELECT count(*) FROM django_migrations WHERE app = 'sessions'"));
      const unapply = await task.exec(djangoName, ['python', 'manage.py', 'migrate', 'sessions', 'zero', '--noinput']);
      expect(unapply).toMatchObject({ code: 0 });
      expect(await sessions()).toBe(0);
      const collected = modificationTimes(volume);
      await task.stop();
      task = await simulation.startTask(deployment, { database, volumes, secrets, variables: quickStop(deployment.definition) });
      report(`${flags.app}/${environment} restart after a migration changed`, await task.waitHealthy());

      const logs = task.container(djangoName).process.logs();
      expect(logs).toContain('entrypoint: running the start-up steps: the image, task definition, database or migrations differ');
      // Each step still skips what is done: the static files are this code's, only the migration is missing.
      expect(logs).toContain('collectstatic: skipped, the volume holds the static files of this code already');
      expect(logs).toMatch(/Applying sessions\.0001_initial\.\.\. OK/);
      expect(logs).toContain('record_start: recorded;');
      expect(await sessions()).toBeGreaterThan(0);
      expect(await superuserCount(database)).toBe(1);
      const { '.start-fingerprint': _recorded, ...files } = modificationTimes(volume);
      const { '.start-fingerprint': _before, ...filesBefore } = collected;
      expect(files).toEqual(filesBefore);
    }, 120_000);

    test('two tasks started at the same moment on a fresh database both become healthy', async () => {
      const freshDatabase = await simulation.createDatabase();
      const sharedVolumes = simulation.createVolumes(deployment.definition);
      const tasks = await Promise.all(
        [1, 2].map(() => simulation.startTask(deployment, { database: freshDatabase, volumes: sharedVolumes, secrets, variables: quickStop(deployment.definition) })),
      );
      try {
        const times = await Promise.all(tasks.map((started) => started.waitHealthy()));
        times.forEach((ms, index) => report(`${flags.app}/${environment} concurrent start ${index + 1} of 2`, ms));
        expect(await superuserCount(freshDatabase)).toBe(1);
        // The first to get the lock collects the static files; the other finds them on the shared volume.
        const collected = tasks.filter((started) => /\d+ static files copied/.test(started.logs()));
        expect(collected).toHaveLength(1);
        // Without the lock both would apply the same migrations; django_migrations has no unique constraint.
        const duplicates = await simulation.postgres.query(freshDatabase.name, 'SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1');
        expect(duplicates).toBe('');
      } finally {
        await Promise.all(tasks.map((started) => started.stop()));
      }
    }, 120_000);
  });
});
