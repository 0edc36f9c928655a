/**
 * The first superuser, created by `manage.py ensure_superuser` from the DJANGO_SUPERUSER_* secrets at a task's first
 * start: the password must pass the project's password validators (Django's four when the project sets none), or
 * nobody is created and the log says why, without the password.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_FLAGS, generateProject, runApp } from './support/generate.js';
import { describeWith, PYTHON } from './support/programs.js';
import { startproject } from './support/task-environment.js';

/** The environment of a developer's machine (SQLite), with the bootstrap secrets. */
function bootstrapEnvironment(password: string, settingsModule: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    DJANGO_SETTINGS_MODULE: settingsModule,
    DJANGO_SUPERUSER_USERNAME: 'admin',
    DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
    DJANGO_SUPERUSER_PASSWORD: password,
  };
}

function manage(project: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(PYTHON, ['manage.py', ...args], { cwd: project, env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Whether `admin` can log in with `password`, and how many superusers exist. */
function loginWorks(project: string, env: NodeJS.ProcessEnv, password: string): { login: boolean; superusers: number } {
  const script = [
    'import json',
    'from django.contrib.auth import authenticate, get_user_model',
    `print(json.dumps({"login": authenticate(username="admin", password=${JSON.stringify(password)}) is not None, "superusers": get_user_model().objects.filter(is_superuser=True).count()}))`,
  ].join('; ');
  const result = manage(project, env, 'shell', '-c', script);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

describeWith(['django'])('the first superuser from the bootstrap secrets', () => {
  // Too short, too common, only digits, too similar to the user's email; the last is distinctive enough to grep for.
  const WEAK = ['admin', 'password', '12345678', 'admin@example', 'zQ9'];
  const STRONG = 'correct-Horse-battery-7';

  describe('a new project (its settings carry Django\'s validators)', () => {
    let project: string;
    beforeAll(async () => {
      project = join(await generateProject({ ...DEMO_FLAGS }), 'app');
    });

    beforeEach(() => {
      rmSync(join(project, 'db.sqlite3'), { force: true });
      expect(manage(project, bootstrapEnvironment(STRONG, 'copilot_deploy.settings'), 'migrate', '--noinput').code).toBe(0);
    });

    test.each(WEAK)('a weak password (%j) creates nobody; the log says why, and not the password', (password) => {
      const env = bootstrapEnvironment(password, 'copilot_deploy.settings');
      const result = manage(project, env, 'ensure_superuser');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('No superuser created: DJANGO_SUPERUSER_PASSWORD fails the password rules (');
      expect(result.stderr).toContain('copilot secret init --name DJANGO_SUPERUSER_PASSWORD --overwrite');
      if (password === 'zQ9') expect(`${result.stdout}${result.stderr}`).not.toContain(password);
      expect(loginWorks(project, env, password)).toEqual({ login: false, superusers: 0 });
    });

    test('a strong password creates the superuser once, who can log in', () => {
      const env = bootstrapEnvironment(STRONG, 'copilot_deploy.settings');
      expect(manage(project, env, 'ensure_superuser').stdout).toContain('Superuser created successfully.');
      expect(manage(project, env, 'ensure_superuser').stdout).toContain("Superuser 'admin' already exists: left unchanged.");
      expect(loginWorks(project, env, STRONG)).toEqual({ login: true, superusers: 1 });
    });
  });

  test('a team project without password validators still gets Django\'s four for the bootstrap password', async () => {
    const root = startproject('AUTH_PASSWORD_VALIDATORS = []\n');
    await runApp({ yes: true, ...DEMO_FLAGS }, { cwd: root });
    const weak = bootstrapEnvironment('admin', 'copilot_deploy.settings');
    expect(manage(root, weak, 'migrate', '--noinput').code).toBe(0);
    const refused = manage(root, weak, 'ensure_superuser');
    expect(refused.stderr).toMatch(/No superuser created: DJANGO_SUPERUSER_PASSWORD fails the password rules \(.*too short/);
    expect(loginWorks(root, weak, 'admin')).toEqual({ login: false, superusers: 0 });
    const strong = bootstrapEnvironment(STRONG, 'copilot_deploy.settings');
    expect(manage(root, strong, 'ensure_superuser').stdout).toContain('Superuser created successfully.');
    expect(loginWorks(root, strong, STRONG)).toEqual({ login: true, superusers: 1 });
  });
});
