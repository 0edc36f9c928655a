/**
 * The Django side of the generated project (templates/__django__/), run with the real programs: Debian's Django 4.2,
 * gunicorn, shellcheck and, when installed, PostgreSQL. Each test names the behaviour a deployed task relies on.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pythonImageFor } from '../generators/shared/detect.js';
import { VERSIONS } from '../generators/shared/versions.js';
import { freePort, httpGet, startBlackHole } from './support/loopback.js';
import { describeWith, PYTHON, programPath } from './support/programs.js';
import {
  cloudEnv,
  DB_SECRET,
  DEMO_CONTEXT,
  imagePath,
  lastJsonLine,
  LB_DNS,
  localEnv,
  renderProject,
  runEntrypoint,
  type TemplateContext,
} from './support/rendered-project.js';
import { modificationTimes, readStaticManifest } from './support/static-manifest.js';
import { MetadataEndpoint } from './support/task/metadata.js';
import { PostgresServer } from './support/task/postgres.js';
import { ProcessGroup, run, teardown, waitFor, type RunResult } from './support/task/processes.js';

// ---------------------------------------------------------------------------------------------------------------
// Rendering (test/support/rendered-project.ts) and running programs (test/support/task/processes.ts)

/** Writes the project the generator plans for `context` into `into`; returns its Django folder. */
async function renderDjangoApp(context: TemplateContext, into: string): Promise<string> {
  return (await renderProject(context, into)).project;
}

const DEFAULT_DOMAIN_NAME = 'django.dev.demo.example.com';
const TASK_IP = '10.0.1.23';

/** Runs Python in the project with Django's settings; `code` prints one JSON line last. */
function python(appDir: string, env: NodeJS.ProcessEnv, code: string, args: string[] = []): Promise<RunResult> {
  const prelude = 'import json, os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n';
  return run(PYTHON, ['-c', prelude + code, ...args], { cwd: appDir, env });
}

const SETTINGS_PROBE = `
from django.conf import settings
names = ["DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SILENCED_SYSTEM_CHECKS",
         "DATABASES", "STATIC_URL", "STATIC_ROOT", "STORAGES"]
print(json.dumps({name: getattr(settings, name, None) for name in names}, default=str))
`;

interface Settings {
  DEBUG: boolean;
  ALLOWED_HOSTS: string[];
  CSRF_TRUSTED_ORIGINS: string[];
  SESSION_COOKIE_SECURE: boolean;
  CSRF_COOKIE_SECURE: boolean;
  SECURE_SSL_REDIRECT: boolean;
  SECURE_HSTS_SECONDS: number;
  SECURE_PROXY_SSL_HEADER: string[] | null;
  SILENCED_SYSTEM_CHECKS: string[];
  DATABASES: { default: Record<string, unknown> };
  STATIC_URL: string;
  STATIC_ROOT: string;
  STORAGES: { staticfiles: { BACKEND: string } };
}

async function settingsWith(appDir: string, env: NodeJS.ProcessEnv): Promise<Settings> {
  return lastJsonLine<Settings>(await python(appDir, env, SETTINGS_PROBE));
}

/** GETs through Django's test client: `[path, Host, X-Forwarded-Proto or ""]` → [status, Location, body]. */
const REQUEST_PROBE = `
import django
django.setup()
from django.test import Client
client = Client()
answers = []
for path, host, proto in json.loads(sys.argv[1]):
    extra = {"HTTP_X_FORWARDED_PROTO": proto} if proto else {}
    response = client.get(path, HTTP_HOST=host, **extra)
    answers.append([response.status_code, response.get("Location"), response.content.decode()[:20]])
print(json.dumps(answers))
`;

type Answer = [number, string | null, string];

/** How long loading the settings takes (the metadata lookup included), and the hosts it allowed. */
const TIMED_SETTINGS_PROBE = `
import time
start = time.monotonic()
from django.conf import settings
hosts = settings.ALLOWED_HOSTS
print(json.dumps({"seconds": time.monotonic() - start, "hosts": hosts}))
`;

const SUPERUSERS_PROBE = `
import django
django.setup()
from django.contrib.auth.models import User
print(json.dumps(list(User.objects.filter(is_superuser=True).values("username", "password"))))
`;

async function requestsWith(appDir: string, env: NodeJS.ProcessEnv, requests: string[][]): Promise<Answer[]> {
  return lastJsonLine<Answer[]>(await python(appDir, env, REQUEST_PROBE, [JSON.stringify(requests)]));
}

// ---------------------------------------------------------------------------------------------------------------
// What the ECS container metadata endpoint v4 (test/support/task/metadata.ts) answers

/** The documented container response of `${ECS_CONTAINER_METADATA_URI_V4}` on Fargate, trimmed. */
const CONTAINER_METADATA = {
  DockerId: 'cd189a933e5849daa93386466019ab50-2495160603',
  Name: 'django',
  DockerName: 'django',
  Image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/demo/django:latest',
  ImageID: 'sha256:25f3695bedfb454a50f12d127839a68ad3caf91e451c1da073db34c542c4d2cb',
  Labels: {
    'com.amazonaws.ecs.container-name': 'django',
    'com.amazonaws.ecs.task-definition-family': 'demo-dev-django',
    'com.amazonaws.ecs.task-definition-version': '3',
  },
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  Limits: { CPU: 2, Memory: 0 },
  Type: 'NORMAL',
  Networks: [
    {
      NetworkMode: 'awsvpc',
      IPv4Addresses: [TASK_IP],
      AttachmentIndex: 0,
      MACAddress: '0e:9e:32:c7:48:85',
      IPv4SubnetCIDRBlock: '10.0.1.0/24',
      PrivateDNSName: 'ip-10-0-1-23.ec2.internal',
      SubnetGatewayIpv4Address: '10.0.1.1/24',
    },
  ],
};
const CONTAINER_PATH = '/v4/cd189a933e5849daa93386466019ab50-2495160603';

/** The endpoint on loopback, answering the container path only (`/task` and the rest get 404). */
async function startMetadataEndpoint(): Promise<{ endpoint: MetadataEndpoint; uri: string }> {
  const endpoint = await MetadataEndpoint.startOnLoopback();
  return { endpoint, uri: await endpoint.serve(CONTAINER_PATH, CONTAINER_METADATA) };
}

// ---------------------------------------------------------------------------------------------------------------

const DEFAULT_CONTEXT = DEMO_CONTEXT;
const HEALTH = DEFAULT_CONTEXT.healthPath;

describeWith(['django'])('the generated Django project', () => {
  let workDir: string;
  let appDir: string;
  let files: string[];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'django-app-'));
    appDir = await renderDjangoApp(DEFAULT_CONTEXT, path.join(workDir, 'default'));
    files = (await readdir(appDir, { recursive: true })).sort();
  });

  afterAll(async () => {
    await teardown();
    await rm(workDir, { recursive: true, force: true });
  });

  describe('rendered files', () => {
    it('holds the project, the deployment app and the container files, with no EJS tag left', async () => {
      expect(files).toEqual(
        expect.arrayContaining([
          '.dockerignore',
          'Dockerfile',
          'entrypoint.sh',
          'gunicorn.conf.py',
          'manage.py',
          'requirements.txt',
          'config/settings.py',
          'config/urls.py',
          'config/wsgi.py',
          'config/asgi.py',
          'copilot_deploy/settings.py',
          'copilot_deploy/middleware.py',
          'copilot_deploy/ecs.py',
          'copilot_deploy/database.py',
          'copilot_deploy/views.py',
          'copilot_deploy/startup.py',
          'copilot_deploy/started.py',
          'copilot_deploy/storage.py',
          'copilot_deploy/management/commands/locked.py',
          'copilot_deploy/management/commands/ensure_superuser.py',
          'copilot_deploy/management/commands/record_start.py',
        ]),
      );
      for (const file of files) {
        const full = path.join(appDir, file);
        if (!(await stat(full)).isFile()) continue;
        const text = await readFile(full, 'utf8');
        expect({ file, leftover: /<%|%>/.test(text) }).toEqual({ file, leftover: false });
      }
    });

    it('compiles every Python file', async () => {
      const pythonFiles = files.filter((file) => file.endsWith('.py'));
      const result = await run(PYTHON, ['-m', 'py_compile', ...pythonFiles], { cwd: appDir, env: localEnv() });
      expect(result).toMatchObject({ code: 0, stderr: '' });
    });

    it('pins the Django release of versions.ts, gunicorn and psycopg 3 by major version, and nothing else', async () => {
      const requirements = (await readFile(path.join(appDir, 'requirements.txt'), 'utf8')).trim().split('\n');
      expect(requirements).toEqual([
        VERSIONS.django.requirement,
        expect.stringMatching(/^gunicorn>=\d+(\.\d+)*,<\d+$/),
        expect.stringMatching(/^psycopg\[binary\]>=3(\.\d+)*,<4$/),
      ]);
    });

    it('builds an image that installs dependencies before the code and runs gunicorn on the task loopback, 127.0.0.1:8000, as a non-root user', async () => {
      const dockerfile = await readFile(path.join(appDir, 'Dockerfile'), 'utf8');
      const instructions = dockerfile
        .replace(/\\\n/g, ' ')
        .split('\n')
        .filter((line) => /^[A-Z]+\s/.test(line));
      const index = (prefix: string) => {
        const found = instructions.findIndex((line) => line.startsWith(prefix));
        if (found < 0) throw new Error(`no "${prefix}" instruction in the Dockerfile`);
        return found;
      };
      expect(instructions[0]).toBe(`FROM ${pythonImageFor(VERSIONS.django.release)}`);
      expect(index('COPY requirements.txt')).toBeLessThan(index('RUN pip install --no-cache-dir -r requirements.txt'));
      expect(index('RUN pip install')).toBeLessThan(index('COPY . .'));
      expect(instructions).toContainEqual(expect.stringMatching(/^RUN chmod 755 \/app\/entrypoint\.sh$/));
      expect(instructions).toContainEqual(expect.stringMatching(/useradd --uid 1000 --gid django .*chown django:django \/srv\/static/));
      expect(instructions[index('ENV ')].split(/\s+/)).toEqual(
        expect.arrayContaining(['DJANGO_SETTINGS_MODULE=copilot_deploy.settings', 'DJANGO_STATIC_ROOT=/srv/static']),
      );
      expect(instructions).toContain('USER django');
      expect(instructions).toContain('EXPOSE 8000');
      expect(instructions).toContain('ENTRYPOINT ["/app/entrypoint.sh"]');
      const cmd = JSON.parse(instructions[index('CMD ')].slice(4)) as string[];
      expect(cmd[0]).toBe('gunicorn');
      expect(cmd).toEqual(expect.arrayContaining(['--bind', '127.0.0.1:8000', 'config.wsgi:application']));
    });
  });

  describeWith(['shellcheck'])('entrypoint.sh', () => {
    it('is valid POSIX sh and passes shellcheck', async () => {
      expect(await run('/bin/sh', ['-n', 'entrypoint.sh'], { cwd: appDir })).toMatchObject({ code: 0 });
      const shellcheck = await run(programPath('shellcheck'), ['--shell=sh', 'entrypoint.sh'], { cwd: appDir });
      expect(shellcheck).toMatchObject({ code: 0, stdout: '' });
    });
  });

  describe('settings in the cloud', () => {
    it.each([
      ['with a domain (DJANGO_HTTPS=true)', 'example.com', '(0 silenced)'],
      ['without a domain (DJANGO_HTTPS=false)', '', '(4 silenced)'],
    ])('pass `check --deploy --fail-level WARNING` %s', async (_name, domain, silenced) => {
      const result = await run(PYTHON, ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'], {
        cwd: appDir,
        env: cloudEnv(domain),
      });
      expect(result.stderr).toBe('');
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`no issues ${silenced}`) });
    });

    it('with a domain: HTTPS only (secure cookies, HSTS, redirect) and https:// trusted origins', async () => {
      const settings = await settingsWith(appDir, cloudEnv('example.com'));
      expect(settings).toMatchObject({
        DEBUG: false,
        SESSION_COOKIE_SECURE: true,
        CSRF_COOKIE_SECURE: true,
        SECURE_SSL_REDIRECT: true,
        SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'],
        SILENCED_SYSTEM_CHECKS: [],
      });
      expect(settings.SECURE_HSTS_SECONDS).toBeGreaterThan(0);
      expect(settings.CSRF_TRUSTED_ORIGINS.sort()).toEqual([`https://${DEFAULT_DOMAIN_NAME}`, `https://${LB_DNS}`].sort());
    });

    it('without a domain: the admin works over plain HTTP, and only the four HTTPS-only checks are silenced', async () => {
      const settings = await settingsWith(appDir, cloudEnv('', { DJANGO_ALLOWED_HOSTS: 'www.example.org, .example.net' }));
      expect(settings).toMatchObject({ SESSION_COOKIE_SECURE: false, CSRF_COOKIE_SECURE: false, SECURE_SSL_REDIRECT: false });
      expect(settings.SILENCED_SYSTEM_CHECKS.sort()).toEqual(['security.W004', 'security.W008', 'security.W012', 'security.W016']);
      expect(settings.CSRF_TRUSTED_ORIGINS).toEqual(['http://www.example.org', 'http://*.example.net', `http://${LB_DNS}`]);
    });

    it('keeps DEBUG off even when DJANGO_DEBUG asks for it', async () => {
      expect(await settingsWith(appDir, cloudEnv('example.com', { DJANGO_DEBUG: 'true' }))).toMatchObject({ DEBUG: false });
    });

    it('refuses to start without DJANGO_SECRET_KEY, naming the secret to create', async () => {
      const result = await run(PYTHON, ['manage.py', 'check'], { cwd: appDir, env: cloudEnv('example.com', { DJANGO_SECRET_KEY: '' }) });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/ImproperlyConfigured: DJANGO_SECRET_KEY is not set\. .*copilot secret init --name DJANGO_SECRET_KEY/);
    });

    it('serves hashed static files from STATIC_ROOT on the shared volume, never from Django', async () => {
      const settings = await settingsWith(appDir, cloudEnv('example.com'));
      expect(settings).toMatchObject({
        STATIC_URL: '/static/',
        STATIC_ROOT: '/srv/static',
        STORAGES: { staticfiles: { BACKEND: 'copilot_deploy.storage.CompressedManifestStaticFilesStorage' } },
      });
    });
  });

  describe('local settings', () => {
    it('allow DJANGO_DEBUG, localhost and SQLite in the project folder', async () => {
      const settings = await settingsWith(appDir, localEnv({ DJANGO_DEBUG: 'true' }));
      expect(settings).toMatchObject({ DEBUG: true, ALLOWED_HOSTS: ['localhost', '127.0.0.1', '[::1]'] });
      expect(settings.DATABASES.default).toMatchObject({
        ENGINE: 'django.db.backends.sqlite3',
        NAME: path.join(appDir, 'db.sqlite3'),
      });
    });
  });

  describe('database settings', () => {
    it("read Copilot's Aurora secret (DB_SECRET) as PostgreSQL", async () => {
      const { DATABASES } = await settingsWith(appDir, cloudEnv('example.com'));
      expect(DATABASES.default).toMatchObject({
        ENGINE: 'django.db.backends.postgresql',
        HOST: DB_SECRET.host,
        PORT: '5432',
        NAME: 'demo',
        USER: 'postgres',
        PASSWORD: DB_SECRET.password,
        CONN_HEALTH_CHECKS: true,
      });
      expect(DATABASES.default.CONN_MAX_AGE).toBeGreaterThan(0);
    });

    it('read a DATABASE_URL with a %-encoded password when there is no DB_SECRET', async () => {
      const env = cloudEnv('example.com', { DB_SECRET: '', DATABASE_URL: 'postgres://app:p%40ss%2Fword@db.internal:6543/shop' });
      expect((await settingsWith(appDir, env)).DATABASES.default).toMatchObject({
        ENGINE: 'django.db.backends.postgresql',
        HOST: 'db.internal',
        PORT: '6543',
        NAME: 'shop',
        USER: 'app',
        PASSWORD: 'p@ss/word',
      });
    });

    it('refuse to start in the cloud without a database, and never print the secret when it is malformed', async () => {
      const none = await run(PYTHON, ['manage.py', 'check'], { cwd: appDir, env: cloudEnv('example.com', { DB_SECRET: '' }) });
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain('No database: DB_SECRET is not set');
      const broken = await run(PYTHON, ['manage.py', 'check'], {
        cwd: appDir,
        env: cloudEnv('example.com', { DB_SECRET: '{"host": "h", "password": "hunter2-secret"' }),
      });
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain('DB_SECRET must be the JSON');
      expect(broken.stderr).not.toContain('hunter2-secret');
    });
  });

  describe('ALLOWED_HOSTS from the ECS container metadata endpoint', () => {
    let metadata: Awaited<ReturnType<typeof startMetadataEndpoint>>;
    beforeAll(async () => {
      metadata = await startMetadataEndpoint();
    });
    afterAll(async () => {
      await metadata?.endpoint.stop();
    });

    it('answer the health check sent to the task IP, the default domain and the load balancer; any other Host gets 400', async () => {
      const env = cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri });
      const answers = await requestsWith(appDir, env, [
        [HEALTH, TASK_IP, ''],
        [HEALTH, `${TASK_IP}:8080`, ''],
        [HEALTH, DEFAULT_DOMAIN_NAME, 'https'],
        [HEALTH, LB_DNS, 'https'],
        [HEALTH, 'evil.example', ''],
        [HEALTH, '10.0.1.24', ''],
      ]);
      expect(answers).toEqual([
        [200, null, 'ok'],
        [200, null, 'ok'],
        [200, null, 'ok'],
        [200, null, 'ok'],
        [400, null, expect.any(String)],
        [400, null, expect.any(String)],
      ]);
      expect(metadata.endpoint.requests()).toContain(`GET ${CONTAINER_PATH} 200`);
    });

    it('follow the rendered health path, which stays exempt from the HTTPS redirect', async () => {
      const context = { ...DEFAULT_CONTEXT, healthPath: '/-/health.check' };
      const otherApp = await renderDjangoApp(context, path.join(workDir, 'other-health-path'));
      const env = cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri });
      const answers = await requestsWith(otherApp, env, [
        [context.healthPath, TASK_IP, ''],
        ['/-/healthXcheck', TASK_IP, ''],
        [HEALTH, TASK_IP, 'https'],
      ]);
      expect(answers.map(([status]) => status)).toEqual([200, 301, 404]);
    });

    it('fall back to ECS_CONTAINER_METADATA_URI (v3) when v4 is not set', async () => {
      const settings = await settingsWith(appDir, cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI: metadata.uri }));
      expect(settings.ALLOWED_HOSTS).toContain(TASK_IP);
    });

    it('with a domain, redirect plain HTTP to HTTPS except the health check, which the ALB sends without X-Forwarded-Proto', async () => {
      const env = cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri });
      const answers = await requestsWith(appDir, env, [
        [HEALTH, TASK_IP, ''],
        ['/admin/', DEFAULT_DOMAIN_NAME, ''],
        ['/admin/', DEFAULT_DOMAIN_NAME, 'https'],
      ]);
      expect(answers).toEqual([
        [200, null, 'ok'],
        [301, `https://${DEFAULT_DOMAIN_NAME}/admin/`, ''],
        [302, '/admin/login/?next=/admin/', ''],
      ]);
    });

    it('without a domain, serve everything over plain HTTP', async () => {
      const env = cloudEnv('', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri });
      const answers = await requestsWith(appDir, env, [
        [HEALTH, TASK_IP, ''],
        ['/admin/', LB_DNS, 'http'],
      ]);
      expect(answers).toEqual([
        [200, null, 'ok'],
        [302, '/admin/login/?next=/admin/', ''],
      ]);
    });

    it.each([
      ['refuses connections', async () => ({ uri: 'http://127.0.0.1:9/v4/none', close: async () => undefined })],
      [
        'never answers',
        async () => {
          const blackHole = await startBlackHole();
          return { uri: `http://127.0.0.1:${blackHole.port}${CONTAINER_PATH}`, close: blackHole.close };
        },
      ],
    ])('still load within 2 s when the endpoint %s, without the task IP', async (_name, start) => {
      const endpoint = await start();
      try {
        const env = cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI_V4: endpoint.uri });
        const result = await python(appDir, env, TIMED_SETTINGS_PROBE);
        const { seconds, hosts } = lastJsonLine<{ seconds: number; hosts: string[] }>(result);
        expect(seconds).toBeLessThan(2);
        expect(hosts).toEqual([DEFAULT_DOMAIN_NAME, LB_DNS]);
        expect(result.stderr).toContain("Could not read the task's IP addresses");
      } finally {
        await endpoint.close();
      }
    });
  });

  describe('gunicorn.conf.py', () => {
    it('takes workers and threads from the manifest variables, with the rendered defaults', async () => {
      const probe = `
import runpy
config = runpy.run_path("gunicorn.conf.py")
names = ["bind", "workers", "threads", "worker_class", "timeout", "accesslog", "forwarded_allow_ips"]
print(json.dumps({name: config[name] for name in names}))
`;
      const fromManifest = lastJsonLine(await python(appDir, localEnv({ WEB_CONCURRENCY: '3', GUNICORN_THREADS: '8' }), probe));
      expect(fromManifest).toEqual({
        bind: '127.0.0.1:8000',
        workers: 3,
        threads: 8,
        worker_class: 'gthread',
        timeout: expect.any(Number),
        accesslog: '-',
        forwarded_allow_ips: '127.0.0.1,::1',
      });
      expect(lastJsonLine(await python(appDir, localEnv(), probe))).toMatchObject({ workers: 2, threads: 4 });
    });
  });

  describeWith(['gunicorn'])('gunicorn serving the project', () => {
    it('answers the health check by task IP with 200 and an unknown Host with 400, over real HTTP', async () => {
      const metadata = await startMetadataEndpoint();
      const port = await freePort();
      const server = new ProcessGroup(
        'gunicorn',
        PYTHON,
        ['-m', 'gunicorn', '--config', 'gunicorn.conf.py', '--bind', `127.0.0.1:${port}`, 'config.wsgi:application'],
        cloudEnv('example.com', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri }),
        'ignore',
        appDir,
      );
      try {
        const answering = () => httpGet(port, HEALTH, TASK_IP).then(() => true, () => undefined);
        await waitFor('gunicorn to answer', answering, { patienceMs: 10_000, context: () => server.logs() });
        const health = await httpGet(port, HEALTH, TASK_IP);
        expect(health).toMatchObject({ status: 200, body: 'ok' });
        expect(health.headers['content-type']).toBe('text/plain');
        expect(health.headers['cache-control']).toContain('no-store');
        expect((await httpGet(port, HEALTH, 'evil.example')).status).toBe(400);
      } finally {
        await server.stop();
        await metadata.endpoint.stop();
      }
    });
  });

  describe('entrypoint.sh on SQLite', () => {
    /** A fresh render of the project with its own SQLite database and static root, and its entrypoint. */
    async function entrypointRun() {
      const runDir = await mkdtemp(path.join(workDir, 'entrypoint-'));
      const { project, bin } = await renderProject(DEFAULT_CONTEXT, runDir);
      const staticRoot = path.join(runDir, 'static');
      const env = (password: string) =>
        localEnv({
          PATH: imagePath(bin),
          DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
          DJANGO_STATIC_ROOT: staticRoot,
          DJANGO_SUPERUSER_USERNAME: 'admin',
          DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
          DJANGO_SUPERUSER_PASSWORD: password,
        });
      const entrypoint = (password = 'first-Password-1') => runEntrypoint(runDir, env(password), path.join(project, 'entrypoint.sh'));
      return { project, staticRoot, entrypoint };
    }

    it('collects hashed static files, migrates, creates the superuser once and never resets its password', async () => {
      const { project, staticRoot, entrypoint } = await entrypointRun();
      const superusers = async () =>
        lastJsonLine<{ username: string; password: string }[]>(await python(project, localEnv(), SUPERUSERS_PROBE));

      const first = await entrypoint('first-Password-1');
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toContain('Superuser created successfully.');
      expect(first.stdout.trim().split('\n').pop()).toBe('exec ok');
      expect(first.stdout).not.toContain('first-Password-1');
      const css = await readdir(path.join(staticRoot, 'admin', 'css'));
      expect(css).toContain('base.css');
      expect(css).toContainEqual(expect.stringMatching(/^base\.[0-9a-f]{12}\.css$/));
      const manifest = readStaticManifest(staticRoot);
      expect(css).toContain(path.basename(manifest.paths['admin/css/base.css']));
      const created = await superusers();
      expect(created).toEqual([{ username: 'admin', password: expect.stringMatching(/^pbkdf2_sha256\$/) }]);

      const second = await entrypoint('second-Password-2');
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toContain("Superuser 'admin' already exists: left unchanged.");
      expect(second.stdout.trim().split('\n').pop()).toBe('exec ok');
      expect(await superusers()).toEqual(created);
    });

    it('writes a gzip copy next to each stylesheet and script, for nginx to send as it is', async () => {
      const { staticRoot, entrypoint } = await entrypointRun();
      expect(await entrypoint()).toMatchObject({ code: 0, stderr: '' });
      const manifest = readStaticManifest(staticRoot);
      for (const name of ['admin/css/base.css', 'admin/js/core.js']) {
        for (const served of [name, manifest.paths[name]]) {
          const original = await readFile(path.join(staticRoot, served));
          expect(gunzipSync(await readFile(path.join(staticRoot, `${served}.gz`))).equals(original)).toBe(true);
        }
      }
      const files = await readdir(staticRoot, { recursive: true });
      // Only text: an image or font is compressed already.
      expect(files.filter((file) => file.endsWith('.gz') && !/\.(css|js|mjs|map|json|svg|txt|xml)\.gz$/.test(file))).toEqual([]);
      expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
    });

    it('a start with unchanged code skips collectstatic and migrate; a changed static file is collected again', async () => {
      const { project, staticRoot, entrypoint } = await entrypointRun();
      const first = await entrypoint();
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/\d+ static files copied/);
      const collected = modificationTimes(staticRoot);

      const second = await entrypoint();
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toContain('collectstatic: skipped, the volume holds the static files of this code already');
      expect(second.stdout).toContain('migrate: skipped, every migration is applied already.');
      expect(second.stdout).not.toMatch(/static files? copied/);
      expect(second.stdout.trim().split('\n').pop()).toBe('exec ok');
      // Not one file rewritten, not even the manifest.
      expect(modificationTimes(staticRoot)).toEqual(collected);

      // New code: one more stylesheet in an app. The next start collects it, and only it, next to the rest.
      const appStatic = path.join(project, 'copilot_deploy', 'static', 'copilot_deploy');
      await mkdir(appStatic, { recursive: true });
      await writeFile(path.join(appStatic, 'site.css'), 'body { margin: 0; }\n');
      const third = await entrypoint();
      expect(third).toMatchObject({ code: 0, stderr: '' });
      expect(third.stdout).toMatch(/\b1 static file copied to .*, \d+ unmodified/);
      const manifest = readStaticManifest(staticRoot);
      expect(manifest.paths['copilot_deploy/site.css']).toMatch(/^copilot_deploy\/site\.[0-9a-f]{12}\.css$/);
      expect(manifest.paths['admin/css/base.css']).toBeDefined();
      expect((await entrypoint()).stdout).toContain('collectstatic: skipped');

      // A collectstatic stopped halfway leaves no fingerprint: the next start collects again.
      await rm(path.join(staticRoot, '.collectstatic-fingerprint'));
      expect((await entrypoint()).stdout).toMatch(/0 static files copied to .*, \d+ unmodified/);
      expect((await entrypoint()).stdout).toContain('collectstatic: skipped');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describeWith(['django', 'psycopg2', 'postgres'])('entrypoint.sh on PostgreSQL', () => {
  let workDir: string;
  let postgres: PostgresServer;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'django-pg-'));
    postgres = await PostgresServer.startOnLoopback();
  });

  afterAll(async () => {
    await postgres?.stop();
    await teardown();
    await rm(workDir, { recursive: true, force: true });
  });

  /** The project rendered into a folder of its own, `python` on PATH as in the image, a task's environment on `dbname`. */
  async function taskProject(dbname: string, extra: NodeJS.ProcessEnv = {}) {
    const runDir = await mkdtemp(path.join(workDir, `${dbname}-`));
    const { project, bin } = await renderProject(DEFAULT_CONTEXT, runDir);
    const secret = { ...DB_SECRET, host: postgres.host, port: postgres.port, dbname };
    const env = cloudEnv('example.com', {
      PATH: imagePath(bin),
      DB_SECRET: JSON.stringify(secret),
      DJANGO_STATIC_ROOT: path.join(runDir, 'static'),
      DJANGO_SUPERUSER_USERNAME: 'admin',
      DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
      DJANGO_SUPERUSER_PASSWORD: 'first-Password-1',
      ...extra,
    });
    const entrypoint = (taskEnv = env) => runEntrypoint(project, taskEnv);
    return { project, secret, env, entrypoint };
  }

  async function createDatabase(name: string): Promise<void> {
    await postgres.query('postgres', `CREATE DATABASE ${name}`);
  }

  it('lets three tasks start at once on a fresh database: they take turns on the lock, all start, one superuser', async () => {
    const { project, env, entrypoint: task } = await taskProject('postgres');
    const tasks = await Promise.all([task(), task(), task()]);
    for (const result of tasks) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('Waiting for the deploy lock to run collectstatic, migrate, ensure_superuser');
      expect(result.stdout.trim().split('\n').pop()).toBe('exec ok');
    }
    // The first to get the lock does the work; the others find it done.
    const created = tasks.filter((result) => result.stdout.includes('Superuser created successfully.'));
    expect(created).toHaveLength(1);
    expect(tasks.filter((result) => /\d+ static files copied/.test(result.stdout))).toHaveLength(1);
    expect(tasks.filter((result) => result.stdout.includes('collectstatic: skipped'))).toHaveLength(2);
    expect(tasks.filter((result) => result.stdout.includes('migrate: skipped'))).toHaveLength(2);
    const superusers = lastJsonLine<{ username: string }[]>(await python(project, env, SUPERUSERS_PROBE));
    expect(superusers.map((user) => user.username)).toEqual(['admin']);
  });

  it('a replaced task of the same image and task definition skips the steps without starting Django; any change runs them', async () => {
    const metadata = await startMetadataEndpoint();
    try {
      await createDatabase('replaced');
      const { project, secret, env, entrypoint } = await taskProject('replaced', { ECS_CONTAINER_METADATA_URI_V4: metadata.uri });
      const start = async (startEnv = env) => {
        const result = await entrypoint(startEnv);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout.trim().split('\n').pop()).toBe('exec ok');
        return result.stdout;
      };
      const SKIPPED = 'entrypoint: start-up steps skipped: this image and task definition';
      const DIFFERENT = 'entrypoint: running the start-up steps: the image, task definition, database or migrations differ';

      const first = await start();
      expect(first).toContain('entrypoint: running the start-up steps: no start has been recorded on this volume');
      expect(first).toContain('Superuser created successfully.');
      expect(first).toContain('record_start: recorded;');
      const replaced = await start();
      expect(replaced).toContain(`${SKIPPED} (revision 3) started on this database and static volume before`);
      expect(replaced).not.toContain('Waiting for the deploy lock');

      // Deciding needs no Django: no app registry, no ORM, no settings.
      const probe = await run(
        PYTHON,
        ['-c', 'import json, sys\nfrom copilot_deploy import started\ncode = started.main()\nprint(json.dumps([code, sorted(sys.modules)]))'],
        { cwd: project, env },
      );
      const [code, modules] = lastJsonLine<[number, string[]]>(probe);
      expect(code).toBe(0);
      expect(modules.filter((name) => /^django\.(apps|conf|db|contrib)\b/.test(name))).toEqual([]);

      // Another image (a deploy, a rollback), then another task definition revision: the steps run, find
      // nothing to do, and record the new start, which the next replaced task skips by.
      const anotherImage = { ...CONTAINER_METADATA, ImageID: `sha256:${'1'.repeat(64)}` };
      const anotherRevision = { ...anotherImage, Labels: { ...CONTAINER_METADATA.Labels, 'com.amazonaws.ecs.task-definition-version': '4' } };
      for (const container of [anotherImage, anotherRevision]) {
        await metadata.endpoint.serve(CONTAINER_PATH, container);
        const changed = await start();
        expect(changed).toContain(DIFFERENT);
        expect(changed).toContain('collectstatic: skipped');
        expect(changed).toContain('migrate: skipped');
        expect(changed).toContain('record_start: recorded;');
        expect(await start()).toContain(SKIPPED);
      }

      // A migration unapplied by hand: the next start applies it again.
      const unapplied = await run(PYTHON, ['manage.py', 'migrate', 'sessions', 'zero', '--noinput'], { cwd: project, env });
      expect(unapplied).toMatchObject({ code: 0 });
      const afterUnapply = await start();
      expect(afterUnapply).toContain(DIFFERENT);
      expect(afterUnapply).toMatch(/Applying sessions\.0001_initial\.\.\. OK/);
      expect(await start()).toContain(SKIPPED);

      // Another database (same host, another name): the steps run there.
      await createDatabase('replaced_other');
      const other = await start({ ...env, DB_SECRET: JSON.stringify({ ...secret, dbname: 'replaced_other' }) });
      expect(other).toContain('entrypoint: running the start-up steps: the database has no migrations yet (no django_migrations table)');
      expect(other).toContain('Superuser created successfully.');
      expect(await start({ ...env, DB_SECRET: JSON.stringify({ ...secret, dbname: 'replaced_other' }) })).toContain(SKIPPED);
      expect(await start()).toContain(DIFFERENT);

      // A collectstatic that copied files but was not followed by record_start (a task stopped halfway) leaves
      // no start recorded: the next start runs the steps, whatever its image.
      const appStatic = path.join(project, 'copilot_deploy', 'static', 'copilot_deploy');
      await mkdir(appStatic, { recursive: true });
      await writeFile(path.join(appStatic, 'site.css'), 'body { margin: 0; }\n');
      const collected = await run(PYTHON, ['manage.py', 'locked', 'collectstatic', '--noinput'], { cwd: project, env });
      expect(collected.stdout).toMatch(/\b1 static file copied/);
      expect(await start()).toContain('entrypoint: running the start-up steps: no start has been recorded on this volume since the last collectstatic');

      // Outside ECS (docker compose, a laptop) there is nothing to tell tasks apart by: the steps always run.
      const { ECS_CONTAINER_METADATA_URI_V4: _uri, ...local } = env;
      expect(await start(local)).toContain('entrypoint: running the start-up steps: not on ECS (no container metadata endpoint)');
    } finally {
      await metadata.endpoint.stop();
    }
  });
});
