/**
 * Teams run the generator in a repo that already holds their Django app. Three projects nobody here wrote: one from
 * `django-admin startproject` (Debian's Django 4.2), the field report's layout (apps/ with manage.py, config/ and
 * requirements.txt), and a settings package (settings/base.py, settings/production.py). The generator fits around
 * them: their files stay byte for byte, except the lines it appends to their requirements.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { addRequirements, missingRequirements } from '../generators/shared/requirements.js';
import { chooseSettings, chooseWsgi, detectProject, findManagePyFolders } from '../generators/shared/detect.js';
import { describeWith, PYTHON } from './support/programs.js';
import { listFiles, readText, readYaml, runApp, snapshot, temporaryFolder } from './support/generate.js';
import { git, LAYOUTS, startproject, userRepository } from './support/existing-projects.js';

const FLAGS = { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: 'https://github.com/example/demo' };

const EXPECTED = {
  startproject: { dir: '.', settings: 'mysite.settings', wsgi: 'mysite.wsgi:application', requirements: undefined, added: [] as string[] },
  'field report (apps/)': { dir: 'apps', settings: 'config.settings', wsgi: 'config.wsgi:application', requirements: 'requirements.txt', added: ['gunicorn>=23,<24', 'psycopg[binary]>=3.2,<4'] },
  'settings package': { dir: '.', settings: 'shop.settings.production', wsgi: 'shop.wsgi:application', requirements: 'requirements/production.txt', added: ['psycopg[binary]>=3.2,<4'] },
};

function cloudEnvironment(staticRoot: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
    COPILOT_APPLICATION_NAME: 'demo',
    COPILOT_ENVIRONMENT_NAME: 'dev',
    COPILOT_SERVICE_NAME: 'django',
    COPILOT_LB_DNS: 'demo-publi-1.eu-west-1.elb.amazonaws.com',
    DJANGO_DOMAIN: 'example.com',
    DJANGO_HTTPS: 'true',
    DJANGO_STATIC_ROOT: staticRoot,
    DJANGO_SECRET_KEY: 'k3y-for-tests-0nly-8f2a9c1d7e6b5a4f3e2d1c0b9a8f7e6d5c4b',
    DB_SECRET: JSON.stringify({ host: 'db.internal', port: 5432, dbname: 'demo', username: 'demo', password: 'secret' }),
  };
}

describeWith(['django'])('an existing Django project', () => {
  describe.each(Object.keys(LAYOUTS))('%s', (layout) => {
    const expected = EXPECTED[layout as keyof typeof EXPECTED];
    let root: string;
    let before: Record<string, string>;
    let detected: ReturnType<typeof detectProject>;
    let settings: ReturnType<typeof chooseSettings>;
    let wsgi: ReturnType<typeof chooseWsgi>;
    beforeAll(async () => {
      root = userRepository(layout);
      before = snapshot(root);
      detected = detectProject(root, expected.dir);
      settings = chooseSettings(join(root, expected.dir));
      wsgi = chooseWsgi(join(root, expected.dir), settings.module!);
      await runApp({ yes: true, ...FLAGS }, { cwd: root });
    });

    test('is found: folder, settings, WSGI application, requirements', () => {
      expect(detected?.dir).toBe(expected.dir);
      expect(settings.module).toBe(expected.settings);
      expect(wsgi.application).toBe(expected.wsgi);
      expect(detected?.requirements?.file).toBe(expected.requirements);
      expect(JSON.parse(readText(root, '.yo-rc.json'))['generator-copilot-django']).toMatchObject({
        djangoDir: expected.dir,
        settings: expected.settings,
        wsgi: expected.wsgi,
        existingProject: true,
        separateFiles: true,
      });
    });

    test("the team's files are unchanged byte for byte, except lines appended to the requirements", () => {
      const changed = git(root, 'diff', '--name-only').trim().split('\n').filter(Boolean);
      expect(changed).toEqual(expected.added.length > 0 ? [join(expected.dir, expected.requirements!).replace(/^\.\//, '')] : []);
      for (const [file, contents] of Object.entries(before)) {
        if (changed.includes(file)) {
          expect(readText(root, file).startsWith(contents)).toBe(true);
          expect(readText(root, file).slice(contents.length)).toContain(expected.added.join('\n'));
        } else {
          expect(readText(root, file)).toBe(contents);
        }
      }
      expect(listFiles(root)).not.toContain('app/manage.py');
      expect(listFiles(root)).toContain('copilot/README.md');
    });

    test('the image, the manifest and compose follow their layout', () => {
      const prefix = expected.dir === '.' ? '' : `${expected.dir}/`;
      const dockerfile = readText(root, `${prefix}copilot_deploy/Dockerfile`);
      expect(dockerfile).toContain('DJANGO_SETTINGS_MODULE=copilot_deploy.settings');
      expect(dockerfile).toContain(`"${expected.wsgi}"`);
      if (expected.requirements) expect(dockerfile).toMatch(new RegExp(`pip install --no-cache-dir -r ${expected.requirements.replace('.', '\\.')}`));
      const manifest = readYaml(root, 'copilot/django/manifest.yml');
      expect(manifest.image.build).toEqual({ dockerfile: `${prefix}copilot_deploy/Dockerfile`, context: expected.dir });
      expect(manifest.sidecars.nginx.image.build).toEqual({ dockerfile: 'copilot/django/nginx/Dockerfile', context: 'copilot/django/nginx' });
      expect(readYaml(root, 'docker-compose.copilot.yml').services.django.build).toEqual({ context: expected.dir === '.' ? '.' : `./${expected.dir}`, dockerfile: 'copilot_deploy/Dockerfile' });
      expect(readText(root, `${prefix}copilot_deploy/settings.py`)).toContain(`from ${expected.settings} import *`);
    });

    test('manage.py check --deploy --fail-level WARNING is clean with the task environment', () => {
      const cwd = join(root, expected.dir);
      execFileSync(PYTHON, ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'], { cwd, env: cloudEnvironment(temporaryFolder()), stdio: 'pipe' });
    });

    test('the health check answers 200 for the task IP without touching their URLs, and a foreign Host gets 400', () => {
      const cwd = join(root, expected.dir);
      const script = [
        'import django, json, sys',
        'django.setup()',
        'from django.test import Client',
        'c = Client()',
        'print(json.dumps([c.get("/healthz/", HTTP_HOST=h).status_code for h in sys.argv[1:]]))',
      ].join('\n');
      const env = { ...cloudEnvironment(temporaryFolder()), ECS_CONTAINER_METADATA_URI_V4: '' };
      const output = execFileSync(PYTHON, ['-c', script, 'django.dev.demo.example.com', 'evil.example'], { cwd, env, encoding: 'utf8' });
      expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual([200, 400]);
    });

    test('a re-run with --yes changes nothing', async () => {
      const now = snapshot(root);
      await runApp({ yes: true }, { cwd: root });
      expect(snapshot(root)).toEqual(now);
    });
  });
});

describe('finding the project', () => {
  test('several manage.py: --yes is refused naming --django-dir; the flag chooses', async () => {
    const root = temporaryFolder();
    for (const folder of ['web', 'worker']) startproject('config', join(root, folder));
    expect(findManagePyFolders(root)).toEqual(['web', 'worker']);
    await expect(runApp({ yes: true, ...FLAGS }, { cwd: root })).rejects.toThrow('--yes cannot choose --django-dir: several folders hold a manage.py (web, worker). Pass --django-dir.');
    await expect(runApp({ yes: true, ...FLAGS, 'django-dir': 'api' }, { cwd: root })).rejects.toThrow('--django-dir "api" is refused: it must be the folder holding manage.py (found: web, worker).');
    await runApp({ yes: true, ...FLAGS, 'django-dir': 'web' }, { cwd: root });
    expect(readYaml(root, 'copilot/django/manifest.yml').image.build.context).toBe('web');
  });

  test('interactive, several manage.py: the folder is asked', async () => {
    const root = temporaryFolder();
    for (const folder of ['web', 'worker']) startproject('config', join(root, folder));
    const result = await runApp({ ...FLAGS, service: 'django' }, { cwd: root, answers: { djangoDir: 'worker' } });
    expect(result.askedQuestions.map((question) => question.name)).toEqual(['djangoDir']);
  });

  test('--django-dir refuses a path outside the repository', async () => {
    const root = temporaryFolder();
    await expect(runApp({ yes: true, ...FLAGS, 'django-dir': '../elsewhere' }, { cwd: root })).rejects.toThrow('--django-dir "../elsewhere" is refused: it must be a folder inside the repository');
    expect(listFiles(root)).toEqual([]);
  });
});

describe('requirements', () => {
  test('only what is missing, appended; pins and order kept', () => {
    const theirs = 'Django==4.2.11\npsycopg2==2.9.9  # pinned by ops\n';
    expect(missingRequirements(theirs, '4.2')).toEqual(['gunicorn>=23,<24']);
    expect(addRequirements(theirs, 'txt', ['gunicorn>=23,<24'])).toBe(`${theirs}# Added by generator-copilot-django: the ECS task runs gunicorn and talks to PostgreSQL.\ngunicorn>=23,<24\n`);
  });

  test('Django older than 4.2 gets psycopg2, which it supports', () => {
    expect(missingRequirements('Django==3.2.25\ngunicorn\n', '3.2')).toEqual(['psycopg2-binary>=2.9,<3']);
  });

  test('pyproject.toml: added inside [project] dependencies, the rest untouched', () => {
    const pyproject = '[project]\nname = "shop"\ndependencies = [\n    "Django>=5.0",\n    "celery",\n]\n\n[tool.ruff]\nline-length = 100\n';
    const added = addRequirements(pyproject, 'pyproject', ['gunicorn>=23,<24']);
    expect(added).toBe('[project]\nname = "shop"\ndependencies = [\n    "Django>=5.0",\n    "celery",\n    # Added by generator-copilot-django: the ECS task runs gunicorn and talks to PostgreSQL.\n    "gunicorn>=23,<24",\n]\n\n[tool.ruff]\nline-length = 100\n');
    expect(addRequirements('[project]\ndependencies = ["Django>=5.0"]\n', 'pyproject', ['gunicorn>=23,<24'])).toBe('[project]\ndependencies = ["Django>=5.0", "gunicorn>=23,<24"]\n');
  });
});
