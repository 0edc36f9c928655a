/**
 * The environment the ECS task gives Django (the image's DJANGO_SETTINGS_MODULE, Copilot's variables, the manifest's
 * variables and secrets), for running a generated or adopted project's manage.py as the task would, and a team's
 * project made by Debian's `django-admin startproject` for the generator to adopt.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { temporaryFolder } from './generate.js';
import { PYTHON } from './programs.js';

/** The host the service's load balancer answers to with the demo flags (app demo, environment dev, example.com). */
export const SERVICE_HOST = 'django.dev.demo.example.com';

/** In the cloud: `staticRoot` is the shared volume (DJANGO_STATIC_ROOT); undefined leaves the variable unset. */
export function cloudEnvironment(staticRoot: string | undefined): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
    COPILOT_APPLICATION_NAME: 'demo',
    COPILOT_ENVIRONMENT_NAME: 'dev',
    COPILOT_SERVICE_NAME: 'django',
    COPILOT_LB_DNS: 'demo-publi-1.eu-west-1.elb.amazonaws.com',
    DJANGO_DOMAIN: 'example.com',
    DJANGO_HTTPS: 'true',
    ...(staticRoot === undefined ? {} : { DJANGO_STATIC_ROOT: staticRoot }),
    DJANGO_SECRET_KEY: 'k3y-for-tests-0nly-8f2a9c1d7e6b5a4f3e2d1c0b9a8f7e6d5c4b',
    DB_SECRET: JSON.stringify({ host: 'db.internal', port: 5432, dbname: 'demo', username: 'demo', password: 'secret' }),
    ECS_CONTAINER_METADATA_URI_V4: '',
  };
}

/** A developer's machine: the deployment settings, none of the task's variables. */
export function localEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings' };
}

/**
 * `django-admin startproject mysite` in a new folder, with `settingsTail` appended to mysite/settings.py and `files`
 * (relative path → contents) written into the project. Returns the folder.
 */
export function startproject(settingsTail: string, files: Record<string, string | Buffer> = {}): string {
  const root = temporaryFolder('team-project-');
  // In the new folder: `python -m` puts the working folder on sys.path, and an earlier project there holds mysite.
  execFileSync(PYTHON, ['-m', 'django', 'startproject', 'mysite', '.'], { cwd: root });
  writeFileSync(join(root, 'mysite/settings.py'), `\n${settingsTail}`, { flag: 'a' });
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
  return root;
}
