/**
 * The shapes of real Django projects (support/existing-projects.ts SHAPES), adopted with `--yes` as a team would:
 * the run leaves every file of theirs as it was (lines appended to requirements and .gitignore aside), deploys files
 * of its own, and the image it builds loads their settings with the manifest's variables and secrets, with only
 * what the image's ignore file lets in, and collects their static files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pythonImageFor } from '../generators/shared/detect.js';
import { contextEntries } from './support/task/build-context.js';
import { describeWith, PYTHON } from './support/programs.js';
import { readStaticManifest } from './support/static-manifest.js';
import { listFiles, readText, readYaml, runCli, snapshot, temporaryFolder, type CliResult } from './support/generate.js';
import { git, SHAPES, userRepository } from './support/existing-projects.js';

const FLAGS = ['--yes', '--app', 'demo', '--domain', 'example.com', '--branches', 'develop:dev,main:prod', '--repository', 'https://github.com/example/demo'];

interface Expected {
  dir: string;
  settings: string;
  python: string;
  /** The variables and secrets (name → SSM parameter) the manifest gives their settings, beyond its own. */
  variables: Record<string, string>;
  secrets: Record<string, string>;
  /** Files of theirs the deployment must not use, and says so. */
  theirs: string[];
  /** A static file of theirs that collectstatic must collect (hashed). */
  collected: string;
  /** Warnings collectstatic must print for references to files the project does not ship. */
  missing?: string[];
}

const EXPECTED: Record<keyof typeof SHAPES, Expected> = {
  'own Docker setup (tutorial)': {
    dir: 'app',
    settings: 'hello_django.settings',
    python: pythonImageFor('4.2'),
    variables: { DEBUG: '0', DJANGO_ALLOWED_HOSTS: 'example.com' },
    secrets: { SECRET_KEY: 'DJANGO_SECRET_KEY' },
    theirs: ['app/Dockerfile', 'app/entrypoint.sh', 'nginx/', 'docker-compose.yml'],
    collected: 'admin/css/base.css',
  },
  'settings chosen in code (cloud sample)': {
    dir: '.',
    settings: 'quickstartproject.production',
    python: pythonImageFor(undefined),
    variables: {},
    secrets: {},
    theirs: [],
    collected: 'bootstrap/css/site.css',
  },
  'decouple, vendored CSS, Django 2.2 (shop)': {
    dir: '.',
    settings: 'djecommerce.settings.production',
    python: pythonImageFor('2.2'),
    variables: { DEBUG: '0' },
    secrets: { SECRET_KEY: 'DJANGO_SECRET_KEY' },
    theirs: ['.dockerignore'],
    collected: 'css/bootstrap.min.css',
    missing: ['fonts/missing.woff', 'css/bootstrap.min.css.map'],
  },
  'django-environ, own gunicorn.conf.py (starter)': {
    dir: '.',
    settings: 'styleguide.settings',
    python: pythonImageFor('4.2'),
    variables: { ALLOWED_HOSTS: 'example.com', DJANGO_DEBUG: '0' },
    secrets: { SECRET_KEY: 'DJANGO_SECRET_KEY' },
    theirs: ['docker-compose.yml'],
    collected: 'admin/css/base.css',
  },
};

/** The manifest's value for a secret: the SSM parameter the task reads it from. */
const parameter = (name: string) => `/copilot/\${COPILOT_APPLICATION_NAME}/\${COPILOT_ENVIRONMENT_NAME}/secrets/${name}`;

/** The Django folder as the image holds it: the build context minus what the Dockerfile's ignore file excludes. */
function imageCopy(context: string, dockerfile: string): string {
  const copy = temporaryFolder('image-');
  for (const [path, entry] of contextEntries(context, dockerfile)) {
    if (entry.directory) mkdirSync(join(copy, path), { recursive: true });
    else cpSync(join(context, path), join(copy, path));
  }
  return copy;
}

describeWith(['django', 'whitenoise', 'decouple', 'environ'])('a real project shape adopted with --yes', () => {
  describe.each(Object.keys(SHAPES))('%s', (shape) => {
    const expected = EXPECTED[shape];
    const prefix = expected.dir === '.' ? '' : `${expected.dir}/`;
    let root: string;
    let before: Record<string, string>;
    let run: CliResult;
    beforeAll(async () => {
      root = userRepository(shape);
      before = snapshot(root);
      run = await runCli(FLAGS, root);
    });

    test('exits 0 and says where the deployment files are, and which of theirs it leaves alone', () => {
      expect(run.code).toBe(0);
      // Yeoman's log goes to stderr.
      const said = `${run.stdout}${run.stderr}`;
      expect(said).toContain(`settings ${expected.settings}`);
      expect(said).toContain(`The deployment builds ${prefix}copilot_deploy/Dockerfile`);
      if (expected.theirs.length > 0) expect(said).toContain(`Your ${expected.theirs.join(', ')} stay as they are, unused by the deployment.`);
    });

    test("the team's files are byte-identical, except lines appended to requirements and .gitignore", () => {
      const appendable = new Set([`${prefix}requirements.txt`, '.gitignore']);
      for (const [file, contents] of Object.entries(before)) {
        const now = readText(root, file);
        if (appendable.has(file)) expect(now.startsWith(contents.endsWith('\n') ? contents : `${contents}\n`) || now === contents).toBe(true);
        else expect({ file, contents: now }).toEqual({ file, contents });
      }
      const changed = git(root, 'diff', '--name-only').trim().split('\n').filter(Boolean);
      expect(changed.filter((file) => !appendable.has(file))).toEqual([]);
    });

    test('the manifest builds the deployment files, never theirs', () => {
      const manifest = readYaml(root, 'copilot/django/manifest.yml');
      expect(manifest.image.build).toEqual({ dockerfile: `${prefix}copilot_deploy/Dockerfile`, context: expected.dir });
      expect(manifest.sidecars.nginx.image.build).toEqual({ dockerfile: 'copilot/django/nginx/Dockerfile', context: 'copilot/django/nginx' });
      expect(readText(root, 'copilot/django/nginx/nginx.conf')).toMatch(/listen 8080 default_server;/);
      const dockerfile = readText(root, `${prefix}copilot_deploy/Dockerfile`);
      expect(dockerfile).toContain(`FROM ${expected.python}\n`);
      expect(dockerfile).toContain('ENTRYPOINT ["/app/copilot_deploy/entrypoint.sh"]');
      expect(dockerfile).toContain('CMD ["gunicorn", "--config", "copilot_deploy/gunicorn.conf.py",');
    });

    test('the manifest gives their settings the variables and secrets they read', () => {
      const manifest = readYaml(root, 'copilot/django/manifest.yml');
      const own = new Set(['DJANGO_HTTPS', 'DJANGO_DOMAIN', 'WEB_CONCURRENCY', 'GUNICORN_THREADS', 'DJANGO_SECRET_KEY', 'DJANGO_SUPERUSER_USERNAME', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD', 'DB_SECRET']);
      const theirs = (map: Record<string, unknown>) => Object.fromEntries(Object.entries(map).filter(([name]) => !own.has(name)));
      expect(theirs(manifest.variables)).toEqual(expected.variables);
      expect(theirs(manifest.secrets)).toEqual(Object.fromEntries(Object.entries(expected.secrets).map(([name, secret]) => [name, parameter(secret)])));
    });

    test("the image loads their settings with the manifest's environment and collects their static files", () => {
      const context = join(root, expected.dir);
      const image = imageCopy(context, join(root, `${prefix}copilot_deploy/Dockerfile`));
      expect(existsSync(join(image, '.env'))).toBe(false);
      const manifest = readYaml(root, 'copilot/django/manifest.yml');
      const secretValues: Record<string, string> = { DJANGO_SECRET_KEY: 'k3y-for-tests-0nly-8f2a9c1d7e6b5a4f3e2d1c0b9a8f7e6d5c4b' };
      const staticRoot = temporaryFolder('static-');
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        // The image's ENV, Copilot's variables, the manifest's.
        DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
        DJANGO_STATIC_ROOT: staticRoot,
        COPILOT_APPLICATION_NAME: 'demo',
        COPILOT_ENVIRONMENT_NAME: 'dev',
        COPILOT_SERVICE_NAME: 'django',
        ECS_CONTAINER_METADATA_URI_V4: '',
        ...Object.fromEntries(Object.entries(manifest.variables as Record<string, unknown>).map(([name, value]) => [name, String(value)])),
        ...Object.fromEntries(
          Object.entries(manifest.secrets as Record<string, unknown>)
            .filter(([name]) => name !== 'DB_SECRET')
            .map(([name, path]) => [name, secretValues[String(path).split('/').pop()!] ?? `value-of-${name}`]),
        ),
        DB_SECRET: JSON.stringify({ host: 'db.internal', port: 5432, dbname: 'demo', username: 'demo', password: 'secret' }),
      };
      execFileSync(PYTHON, ['manage.py', 'check', '--deploy'], { cwd: image, env, stdio: 'pipe' });
      const collected = execFileSync(PYTHON, ['manage.py', 'collectstatic', '--noinput'], { cwd: image, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(collected).toMatch(/static files? copied/);
      const manifestFile = readStaticManifest(staticRoot);
      expect(manifestFile.paths[expected.collected]).toMatch(/\.[0-9a-f]{12}\./);
      expect(listFiles(staticRoot)).toContain(manifestFile.paths[expected.collected]);
    });

    if (expected.missing) {
      test('collectstatic names each file their stylesheets reference but the project does not ship, and does not fail', () => {
        const context = join(root, expected.dir);
        const image = imageCopy(context, join(root, `${prefix}copilot_deploy/Dockerfile`));
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
          DJANGO_STATIC_ROOT: temporaryFolder('static-'),
          DJANGO_SECRET_KEY: 'k3y-for-tests-0nly-8f2a9c1d7e6b5a4f3e2d1c0b9a8f7e6d5c4b',
          SECRET_KEY: 'k3y-for-tests-0nly-8f2a9c1d7e6b5a4f3e2d1c0b9a8f7e6d5c4b',
          DEBUG: '0',
        };
        const result = spawnSync(PYTHON, ['manage.py', 'collectstatic', '--noinput'], { cwd: image, env, encoding: 'utf8' });
        expect(result.status).toBe(0);
        for (const file of expected.missing!) expect(result.stderr).toContain(`refers to ${file}, which is not among the static files`);
      });
    }
  });
});
