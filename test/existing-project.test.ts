/**
 * Teams run the generator in a repo that already holds their Django app. Three projects nobody here wrote: one from
 * `django-admin startproject` (Debian's Django 4.2), the apps/ layout (apps/ with manage.py, config/ and
 * requirements.txt), and a settings package (settings/base.py, settings/production.py). The generator fits around
 * them: their files stay byte for byte, except the lines it appends to their requirements.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addRequirements, missingRequirements } from '../generators/shared/requirements.js';
import { chooseSettings, chooseWsgi, detectProject, djangoRelease, findManagePyFolders, pythonImageFor } from '../generators/shared/detect.js';
import { pythonImage, VERSIONS } from '../generators/shared/versions.js';
import { describeWith, PYTHON } from './support/programs.js';
import { listFiles, readText, readYaml, runApp, runCli, snapshot, temporaryFolder } from './support/generate.js';
import { git, LAYOUTS, startproject, userRepository } from './support/existing-projects.js';
import { cloudEnvironment } from './support/task-environment.js';

const GUNICORN = VERSIONS.gunicorn.requirement;
const PSYCOPG = VERSIONS.psycopg.requirement;

const FLAGS = { app: 'demo', domain: 'example.com', branches: 'develop:dev,main:prod', spot: true, repository: 'https://github.com/example/demo', media: 'none', worker: 'none', jobs: false, target: 'copilot' };

const EXPECTED = {
  startproject: { dir: '.', settings: 'mysite.settings', wsgi: 'mysite.wsgi:application', requirements: undefined, added: [] as string[] },
  'apps/ layout': { dir: 'apps', settings: 'config.settings', wsgi: 'config.wsgi:application', requirements: 'requirements.txt', added: [GUNICORN, PSYCOPG] },
  'settings package': { dir: '.', settings: 'shop.settings.production', wsgi: 'shop.wsgi:application', requirements: 'requirements/production.txt', added: [PSYCOPG] },
};

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
      const env = cloudEnvironment(temporaryFolder());
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

describe('the settings module and WSGI application', () => {
  /** startproject, then manage.py picking between two modules of its package in code, as teams write it. */
  function choosingProject(modules: string[]): string {
    const root = temporaryFolder();
    startproject('blog', root);
    for (const module of modules.filter((name) => name !== 'settings')) writeFileSync(join(root, `blog/${module}.py`), 'from .settings import *  # noqa\n');
    const choice = `    settings_module = 'blog.${modules[0]}' if os.environ.get('CI') else 'blog.${modules[1]}'\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', settings_module)`;
    const managePy = join(root, 'manage.py');
    writeFileSync(managePy, readText(root, 'manage.py').replace(/^\s*os\.environ\.setdefault\(.*$/m, choice));
    return root;
  }

  test('chosen in code: the production module among those the repository holds, never one it lacks', async () => {
    const root = choosingProject(['production', 'settings']);
    expect(chooseSettings(root)).toEqual({ module: 'blog.production', candidates: ['blog.production', 'blog.settings'] });
    await runApp({ yes: true, ...FLAGS }, { cwd: root });
    expect(readText(root, 'copilot_deploy/settings.py')).toContain('from blog.production import *');
  });

  test('several candidates, none for production: --yes is refused naming --settings, nothing is written; the flag decides', async () => {
    const root = choosingProject(['local', 'settings']);
    const before = snapshot(root);
    await expect(runApp({ yes: true, ...FLAGS }, { cwd: root })).rejects.toThrow(
      '--yes cannot choose --settings: manage.py, wsgi.py and asgi.py name several settings modules (blog.local, blog.settings) and not one production module among them. Pass --settings.',
    );
    expect(snapshot(root)).toEqual(before);
    await expect(runApp({ yes: true, ...FLAGS, settings: 'blog.staging' }, { cwd: root })).rejects.toThrow(
      '--settings "blog.staging" is refused: it must be a settings module the repository holds, and neither blog/staging.py nor blog/staging/__init__.py exists.',
    );
    await expect(runApp({ yes: true, ...FLAGS, settings: 'blog/local.py' }, { cwd: root })).rejects.toThrow('--settings "blog/local.py" is refused: it must be a dotted Python module name');
    expect(snapshot(root)).toEqual(before);
    await runApp({ yes: true, ...FLAGS, settings: 'blog.local' }, { cwd: root });
    expect(readText(root, 'copilot_deploy/settings.py')).toContain('from blog.local import *');
    expect(JSON.parse(readText(root, '.yo-rc.json'))['generator-copilot-django']).toMatchObject({ settings: 'blog.local', wsgi: 'blog.wsgi:application' });
  });

  test('in doubt at a terminal, the settings module is asked', async () => {
    const root = choosingProject(['local', 'settings']);
    const result = await runApp({ ...FLAGS, service: 'django' }, { cwd: root, answers: { settings: 'blog.settings' } });
    expect(result.askedQuestions.map((question) => question.name)).toEqual(['settings']);
    expect(readText(root, 'copilot_deploy/settings.py')).toContain('from blog.settings import *');
  });

  test('manage.py names a module the repository lacks: refused naming --settings, not a fallback', async () => {
    const root = temporaryFolder();
    writeFileSync(join(root, 'manage.py'), "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n");
    await expect(runApp({ yes: true, ...FLAGS }, { cwd: root })).rejects.toThrow(
      '--yes cannot choose --settings: manage.py, wsgi.py and asgi.py name no settings module that the repository holds. Pass --settings.',
    );
    expect(listFiles(root)).toEqual(['manage.py']);
  });

  test('--wsgi must name an application the repository defines', async () => {
    const root = temporaryFolder();
    startproject('blog', root);
    await expect(runApp({ yes: true, ...FLAGS, wsgi: 'blog.wsgi' }, { cwd: root })).rejects.toThrow('--wsgi "blog.wsgi" is refused: it must be a WSGI application as gunicorn takes it, module:callable');
    await expect(runApp({ yes: true, ...FLAGS, wsgi: 'blog.wsgi:app' }, { cwd: root })).rejects.toThrow(
      '--wsgi "blog.wsgi:app" is refused: it must name a WSGI application the repository defines, and blog.wsgi defines no app.',
    );
    await runApp({ yes: true, ...FLAGS, wsgi: 'blog.wsgi:application' }, { cwd: root });
    expect(readText(root, 'copilot_deploy/Dockerfile')).toContain('"blog.wsgi:application"]');
  });

  test('--settings and --wsgi are refused for a new project', async () => {
    const root = temporaryFolder();
    await expect(runApp({ yes: true, ...FLAGS, settings: 'config.settings' }, { cwd: root })).rejects.toThrow(
      '--settings "config.settings" is refused: it names a module of an existing Django project, and this run writes a new one in app/.',
    );
    expect(listFiles(root)).toEqual([]);
  });
});

describe('a project adopted by an earlier version (no "separateFiles" in .yo-rc.json)', () => {
  test('keeps its layout; when the Dockerfile it builds is the team\'s, the run says so and how to get the generated one', async () => {
    const root = temporaryFolder();
    startproject('blog', root);
    writeFileSync(join(root, 'Dockerfile'), 'FROM python:3.11\nCOPY . .\nENTRYPOINT ["./their-entrypoint.sh"]\n');
    const stored = { app: 'demo', service: 'django', domain: 'example.com', branches: 'main:prod', spot: false, repository: '', djangoDir: '.', existingProject: true, environmentDatabase: true };
    writeFileSync(join(root, '.yo-rc.json'), JSON.stringify({ 'generator-copilot-django': stored }));
    const first = await runCli(['--yes'], root);
    expect(first.code).toBe(0);
    expect(`${first.stdout}${first.stderr}`).toContain(
      'copilot/django/manifest.yml builds Dockerfile, which is not the generated one: an earlier version of this generator kept your file there. Rename your Dockerfile',
    );
    expect(readText(root, 'Dockerfile')).toBe('FROM python:3.11\nCOPY . .\nENTRYPOINT ["./their-entrypoint.sh"]\n');
    expect(readYaml(root, 'copilot/django/manifest.yml').image.build.dockerfile).toBe('Dockerfile');
    expect(listFiles(root)).not.toContain('copilot_deploy/Dockerfile');

    renameSync(join(root, 'Dockerfile'), join(root, 'Dockerfile.dev'));
    const second = await runCli(['--yes'], root);
    expect(`${second.stdout}${second.stderr}`).not.toContain('not the generated one');
    expect(readText(root, 'Dockerfile')).toContain('ENTRYPOINT ["/app/entrypoint.sh"]');
  });
});

describe('the Python image fits the Django release', () => {
  /** The image versions.ts gives a Django release of its table. */
  const imageOf = (django: string) => pythonImage(VERSIONS.python.byDjango.find(([release]) => release === django)![1]);
  const NEWEST = VERSIONS.python.byDjango[VERSIONS.python.byDjango.length - 1][0];
  test.each([
    ['Django==3.2.25\n', '3.2', imageOf('3.2')],
    ['Django>=4.2,<5.0\n', '4.2', imageOf('4.2')],
    ['django<3\n', '2.2', imageOf('2.2')],
    ['Django==2.2.14\npython-decouple\n', '2.2', imageOf('2.2')],
    ['Django~=4.1.0\n', '4.1', imageOf('4.1')],
    ['Django~=4.0\n', '4.2', imageOf('4.2')],
    ['Django<4.2.5\n', '4.2', imageOf('4.2')],
    ['Django==3.1.*\n', '3.1', imageOf('3.1')],
    // Newer than the table: the newest release it knows, and that release's image.
    ['Django>=3.2\n', NEWEST, imageOf(NEWEST)],
    ['Django==6.0.1\n', '6.0', imageOf(NEWEST)],
    ['Django\nwhitenoise\n', undefined, imageOf(NEWEST)],
  ])('%j → Django %s → %s', (requirements, release, image) => {
    expect(djangoRelease(requirements)).toBe(release);
    expect(pythonImageFor(release)).toBe(image);
  });

  test('a Django older than the deployment settings support is refused, naming the file', async () => {
    const root = temporaryFolder();
    startproject('blog', root);
    writeFileSync(join(root, 'requirements.txt'), 'Django==1.11.29\n');
    await expect(runApp({ yes: true, ...FLAGS }, { cwd: root })).rejects.toThrow('Django 1.11 (requirements.txt) is refused: the deployment settings need Django 2.2 or newer. Upgrade Django first.');
  });
});

describe('requirements', () => {
  test('only what is missing, appended; pins and order kept', () => {
    const theirs = 'Django==4.2.11\npsycopg2==2.9.9  # pinned by ops\n';
    expect(missingRequirements(theirs, '4.2')).toEqual([GUNICORN]);
    expect(addRequirements(theirs, 'txt', [GUNICORN])).toBe(`${theirs}# Added by generator-copilot-django: the ECS task runs gunicorn and talks to PostgreSQL.\n${GUNICORN}\n`);
  });

  test('Django older than 4.2 gets psycopg2, which it supports', () => {
    expect(missingRequirements('Django==3.2.25\ngunicorn\n', '3.2')).toEqual([VERSIONS.psycopg2.requirement]);
  });

  test('pyproject.toml: added inside [project] dependencies, the rest untouched', () => {
    const pyproject = '[project]\nname = "shop"\ndependencies = [\n    "Django>=5.0",\n    "celery",\n]\n\n[tool.ruff]\nline-length = 100\n';
    const added = addRequirements(pyproject, 'pyproject', [GUNICORN]);
    expect(added).toBe(`[project]\nname = "shop"\ndependencies = [\n    "Django>=5.0",\n    "celery",\n    # Added by generator-copilot-django: the ECS task runs gunicorn and talks to PostgreSQL.\n    "${GUNICORN}",\n]\n\n[tool.ruff]\nline-length = 100\n`);
    expect(addRequirements('[project]\ndependencies = ["Django>=5.0"]\n', 'pyproject', [GUNICORN])).toBe(`[project]\ndependencies = ["Django>=5.0", "${GUNICORN}"]\n`);
  });
});
