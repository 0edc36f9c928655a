/**
 * One deployment settings layer, copilot_deploy/settings.py, for new and existing projects: the image runs it, it
 * imports the project's settings (a new project's config/settings.py is a plain Django project for local work) and
 * adds what the ECS task needs. Run with Debian's Django 4.2, on the project the generator renders for the demo
 * answers, and on top of the config/settings.py release 0.1.0 wrote, which a project keeps where its user edited it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planFiles } from '../generators/shared/files.js';
import { planContext } from '../generators/shared/plan.js';
import { renderFiles, renderProject } from '../generators/shared/render.js';
import { NO_STATE } from '../generators/shared/rerun.js';
import { DEMO_ANSWERS } from './support/generate.js';
import { cloudEnv, LB_DNS, localEnv } from './support/rendered-project.js';
import { describeWith, PYTHON } from './support/programs.js';

const CONTEXT = planContext(DEMO_ANSWERS);
const HEALTH = CONTEXT.healthPath;
const SERVICE_HOST = 'django.dev.demo.example.com';

/** The project the generator writes for the demo answers, in a new folder; returns its Django folder. */
function renderNewProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'settings-layer-'));
  for (const file of renderFiles(CONTEXT)) {
    mkdirSync(dirname(join(root, file.destination)), { recursive: true });
    writeFileSync(join(root, file.destination), file.contents);
  }
  return join(root, CONTEXT.djangoDir);
}

function manage(project: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(PYTHON, ['manage.py', ...args], { cwd: project, env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Settings as Django sees them, and the answers of Django's test client to `[path, Host]` GETs over plain HTTP. */
function probe(project: string, env: NodeJS.ProcessEnv, requests: Array<[string, string]> = []) {
  const script = `
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client
names = ["DEBUG", "ALLOWED_HOSTS", "INSTALLED_APPS", "MIDDLEWARE", "CSRF_TRUSTED_ORIGINS", "SILENCED_SYSTEM_CHECKS",
         "SECURE_SSL_REDIRECT", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
         "SESSION_COOKIE_HTTPONLY", "DATABASES", "STATIC_ROOT", "STORAGES", "LOGGING"]
values = {name: getattr(settings, name, None) for name in names}
client = Client()
values["answers"] = [client.get(path, HTTP_HOST=host).status_code for path, host in json.loads(sys.argv[1])]
print(json.dumps(values, default=str))
`;
  const output = execFileSync(PYTHON, ['-c', script, JSON.stringify(requests)], { cwd: project, env, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop()!);
}

describe('the deployment settings layer in the plan', () => {
  test('a new project and an existing one get the same copilot_deploy/settings.py and middleware, and the image runs it', () => {
    const destinations = (existingProject: boolean) =>
      planFiles({ ...CONTEXT, existingProject, separateFiles: existingProject }).map((file) => file.template);
    for (const existing of [false, true]) {
      expect(destinations(existing)).toEqual(expect.arrayContaining(['__django__/copilot_deploy/settings.py', '__django__/copilot_deploy/middleware.py']));
    }
    expect(destinations(false)).toContain('__django__/config/settings.py');
    expect(destinations(true)).not.toContain('__django__/config/settings.py');
    const rendered = Object.fromEntries(renderFiles(CONTEXT).map((file) => [file.destination, file.contents]));
    expect(rendered['app/Dockerfile']).toMatch(/^\s+DJANGO_SETTINGS_MODULE=copilot_deploy\.settings \\$/m);
    expect(rendered['app/copilot_deploy/settings.py']).toContain('\nfrom config.settings import *');
    // Local work (runserver, manage.py on a laptop) keeps the project's own settings.
    for (const file of ['app/manage.py', 'app/config/wsgi.py', 'app/config/asgi.py']) {
      expect(rendered[file]).toContain('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")');
    }
  });
});

describeWith(['django'])('a new project on Django', () => {
  let project: string;
  beforeAll(() => {
    project = renderNewProject();
  });
  afterAll(() => rmSync(dirname(project), { recursive: true, force: true }));

  test('its config/settings.py alone is a local project: DEBUG from DJANGO_DEBUG, localhost, SQLite, no deployment app', () => {
    const settings = probe(project, localEnv({ DJANGO_SETTINGS_MODULE: 'config.settings', DJANGO_DEBUG: 'true' }), [['/admin/', 'localhost']]);
    expect(settings).toMatchObject({ DEBUG: true, ALLOWED_HOSTS: ['localhost', '127.0.0.1', '[::1]'], answers: [302] });
    expect(settings.DATABASES.default.ENGINE).toBe('django.db.backends.sqlite3');
    expect(settings.INSTALLED_APPS).not.toContain('copilot_deploy');
    expect(probe(project, localEnv({ DJANGO_SETTINGS_MODULE: 'config.settings' }))).toMatchObject({ DEBUG: false });
  });

  test('in the task a loopback Host gets 400 like any other foreign one, though the local settings list it', () => {
    const settings = probe(project, cloudEnv('example.com'), [
      [HEALTH, SERVICE_HOST],
      [HEALTH, 'localhost'],
      [HEALTH, '127.0.0.1'],
    ]);
    expect(settings.ALLOWED_HOSTS).toEqual([SERVICE_HOST, LB_DNS]);
    expect(settings.answers).toEqual([200, 400, 400]);
  });

  test('in the task the health check comes before the project\'s own middleware, which may redirect every other request', () => {
    const base = readFileSync(join(project, 'config/settings.py'), 'utf8');
    try {
      writeFileSync(join(project, 'config/login_required.py'), 'from django.shortcuts import redirect\n\n\ndef login_required(get_response):\n    return lambda request: redirect("/admin/login/")\n');
      writeFileSync(join(project, 'config/settings.py'), `${base}\nMIDDLEWARE = [*MIDDLEWARE, "config.login_required.login_required"]\n`);
      const settings = probe(project, cloudEnv('example.com'), [
        [HEALTH, SERVICE_HOST],
        ['/admin/', SERVICE_HOST],
      ]);
      expect(settings.answers).toEqual([200, 301]);
      expect(settings.MIDDLEWARE[0]).toBe('copilot_deploy.middleware.HealthCheckMiddleware');
    } finally {
      writeFileSync(join(project, "config/settings.py"), base);
    }
  });

  test('locally the image (docker compose: no Copilot variables) answers localhost, with the compose DATABASE_URL', () => {
    const env = localEnv({ DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings', DATABASE_URL: 'postgres://django@db:5432/django', DJANGO_STATIC_ROOT: '/srv/static' });
    const settings = probe(project, env, [[HEALTH, 'localhost:8080']]);
    expect(settings).toMatchObject({ DEBUG: false, answers: [200], STATIC_ROOT: '/srv/static' });
    expect(settings.DATABASES.default).toMatchObject({ ENGINE: 'django.db.backends.postgresql', HOST: 'db' });
    expect(settings.STORAGES.staticfiles.BACKEND).toBe('copilot_deploy.storage.CompressedManifestStaticFilesStorage');
  });
});

describeWith(['django'])('the layer on top of the config/settings.py of release 0.1.0, kept because its user edited it', () => {
  let project: string;
  beforeAll(() => {
    project = renderNewProject();
    const released = renderProject(DEMO_ANSWERS, NO_STATE, undefined, '0.1.0')!.find((file) => file.destination === 'app/config/settings.py')!;
    // 0.1.0 wrote the whole cloud setup into config/settings.py; its user added an app of theirs.
    expect(released.contents).toContain('SECURE_REDIRECT_EXEMPT');
    const edited = released.contents.replace('    "copilot_deploy",\n]', '    "copilot_deploy",\n    "django.contrib.humanize",\n]');
    expect(edited).not.toBe(released.contents);
    writeFileSync(join(project, 'config/settings.py'), edited);
  });
  afterAll(() => rmSync(dirname(project), { recursive: true, force: true }));

  test.each([
    ['with a domain', 'example.com', '(0 silenced)'],
    ['without a domain', '', '(4 silenced)'],
  ])('passes `check --deploy --fail-level WARNING` %s', (_name, domain, silenced) => {
    const result = manage(project, cloudEnv(domain), 'check', '--deploy', '--fail-level', 'WARNING');
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`no issues ${silenced}`) });
  });

  test('each app and middleware once, the user\'s app kept; the health check answers the task\'s Host over HTTP, a foreign one gets 400', () => {
    const settings = probe(project, cloudEnv('example.com'), [
      [HEALTH, SERVICE_HOST],
      ['/admin/', SERVICE_HOST],
      [HEALTH, 'evil.example'],
    ]);
    const count = (list: string[], name: string) => list.filter((entry) => entry === name).length;
    expect(count(settings.INSTALLED_APPS, 'copilot_deploy')).toBe(1);
    expect(settings.INSTALLED_APPS).toContain('django.contrib.humanize');
    expect(count(settings.MIDDLEWARE, 'copilot_deploy.middleware.HealthCheckMiddleware')).toBe(1);
    expect(new Set(settings.ALLOWED_HOSTS).size).toBe(settings.ALLOWED_HOSTS.length);
    expect(new Set(settings.CSRF_TRUSTED_ORIGINS).size).toBe(settings.CSRF_TRUSTED_ORIGINS.length);
    expect(settings.answers).toEqual([200, 301, 400]);
    const http = probe(project, cloudEnv(''));
    expect(new Set(http.SILENCED_SYSTEM_CHECKS).size).toBe(4);
  });
});
