/**
 * Django projects nobody here wrote, made the way teams make them: `django-admin startproject` (Debian's Django
 * 4.2), the apps/ layout (apps/ holding manage.py, config/ and requirements.txt), a settings package, and
 * the shapes of well-known public projects (SHAPES), each small but with the traits that broke their adoption.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { temporaryFolder } from './generate.js';
import { PYTHON } from './programs.js';

export function startproject(name: string, folder: string): void {
  mkdirSync(folder, { recursive: true });
  // In the new folder: `python -m` puts the working folder on sys.path, where an earlier project may hold `name`.
  execFileSync(PYTHON, ['-m', 'django', 'startproject', name, '.'], { cwd: folder });
}

/** Three layouts teams use, each in a git repository with one commit. */
export const LAYOUTS: Record<string, (root: string) => void> = {
  startproject: (root) => startproject('mysite', root),
  'apps/ layout': (root) => {
    startproject('config', join(root, 'apps'));
    writeFileSync(join(root, 'apps/requirements.txt'), 'Django==4.2.11\n');
  },
  'settings package': (root) => {
    startproject('shop', root);
    mkdirSync(join(root, 'shop/settings'));
    renameSync(join(root, 'shop/settings.py'), join(root, 'shop/settings/base.py'));
    writeFileSync(join(root, 'shop/settings/__init__.py'), '');
    const base = readFileSync(join(root, 'shop/settings/base.py'), 'utf8').replace('.resolve().parent.parent', '.resolve().parent.parent.parent');
    writeFileSync(join(root, 'shop/settings/base.py'), base);
    writeFileSync(join(root, 'shop/settings/production.py'), 'from .base import *  # noqa\n\nDEBUG = False\nALLOWED_HOSTS = ["shop.example.com"]\n');
    const managePy = readFileSync(join(root, 'manage.py'), 'utf8').replace("'shop.settings'", "'shop.settings.base'");
    writeFileSync(join(root, 'manage.py'), managePy);
    mkdirSync(join(root, 'requirements'));
    writeFileSync(join(root, 'requirements/base.txt'), 'Django>=4.2,<5.0\n');
    writeFileSync(join(root, 'requirements/production.txt'), '-r base.txt\ngunicorn==22.0.0\n');
  },
};

function write(root: string, files: Record<string, string>): void {
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
}

/** Replaces lines of a generated file (settings.py of startproject) as the project's authors did. */
function edit(path: string, replacements: Array<[RegExp | string, string]>): void {
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of replacements) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${path}: ${String(from)} not found`);
    text = next;
  }
  writeFileSync(path, text);
}

const VENDORED_CSS =
  '/*!\n * Bootstrap v4.0.0 (https://getbootstrap.com)\n */.btn{display:inline-block}' +
  '@font-face{font-family:icons;src:url(../fonts/icons.woff2) format("woff2"),url(../fonts/missing.woff) format("woff")}\n' +
  '/*# sourceMappingURL=bootstrap.min.css.map */';

/**
 * The shapes of real projects the generator was tried on, one trait class each at least (their commits in
 * scripts/real-projects.sh). Every shape keeps its own files where the deployment's would have gone.
 */
export const SHAPES: Record<string, (root: string) => void> = {
  // testdrivenio/django-on-docker: Docker files of its own (an entrypoint that flushes the database, nginx on 80 in
  // front of web:8000, a Dockerfile without CMD), a compose file, settings that split an unset variable.
  'own Docker setup (tutorial)': (root) => {
    startproject('hello_django', join(root, 'app'));
    edit(join(root, 'app/hello_django/settings.py'), [
      [/^from pathlib import Path$/m, 'import os\nfrom pathlib import Path'],
      [/^SECRET_KEY = .*$/m, 'SECRET_KEY = os.environ.get("SECRET_KEY")'],
      [/^DEBUG = .*$/m, 'DEBUG = bool(os.environ.get("DEBUG", default=0))'],
      [/^ALLOWED_HOSTS = .*$/m, 'ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS").split(" ")'],
      [/["']ENGINE["']: ["']django\.db\.backends\.sqlite3["'],\n\s*["']NAME["']: BASE_DIR \/ ["']db\.sqlite3["'],/, '"ENGINE": os.environ.get("SQL_ENGINE", "django.db.backends.sqlite3"),\n        "NAME": os.environ.get("SQL_DATABASE", BASE_DIR / "db.sqlite3"),\n        "USER": os.environ.get("SQL_USER", "user"),\n        "PASSWORD": os.environ.get("SQL_PASSWORD", "password"),\n        "HOST": os.environ.get("SQL_HOST", "localhost"),\n        "PORT": os.environ.get("SQL_PORT", "5432"),'],
      [/^STATIC_URL = .*$/m, 'STATIC_URL = "/static/"\nSTATIC_ROOT = BASE_DIR / "staticfiles"'],
    ]);
    write(root, {
      'app/requirements.txt': 'Django==4.2.3\ngunicorn==21.2.0\npsycopg2-binary==2.9.6\n',
      'app/Dockerfile':
        'FROM python:3.11.4-slim-buster\nWORKDIR /usr/src/app\nENV PYTHONUNBUFFERED 1\nCOPY ./requirements.txt .\nRUN pip install -r requirements.txt\n' +
        'COPY ./entrypoint.sh .\nRUN chmod +x /usr/src/app/entrypoint.sh\nCOPY . .\nENTRYPOINT ["/usr/src/app/entrypoint.sh"]\n',
      'app/entrypoint.sh': '#!/bin/sh\n\npython manage.py flush --no-input\npython manage.py migrate\n\nexec "$@"\n',
      'nginx/Dockerfile': 'FROM nginx:1.25\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY nginx.conf /etc/nginx/conf.d\n',
      'nginx/nginx.conf': 'upstream hello_django {\n    server web:8000;\n}\n\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://hello_django;\n    }\n}\n',
      'docker-compose.yml':
        "version: '3.8'\n\nservices:\n  web:\n    build: ./app\n    command: python manage.py runserver 0.0.0.0:8000\n    env_file:\n      - ./.env.dev\n" +
        '    depends_on:\n      - db\n  db:\n    image: postgres:15\n    environment:\n      - POSTGRES_USER=hello_django\n      - POSTGRES_PASSWORD=hello_django\n\nvolumes:\n  postgres_data:\n',
      '.env.dev': 'DEBUG=1\nSECRET_KEY=foo\nDJANGO_ALLOWED_HOSTS=localhost 127.0.0.1 [::1]\n',
      '.gitignore': '__pycache__\n.env.dev\n',
    });
  },
  // Azure-Samples/msdocs-python-django-webapp-quickstart: manage.py and wsgi.py pick the settings module in code;
  // the production module uses WhiteNoise's storage under its pre-4.2 name; requirements without pins.
  'settings chosen in code (cloud sample)': (root) => {
    startproject('quickstartproject', root);
    const choice =
      "    settings_module = 'quickstartproject.production' if 'WEBSITE_HOSTNAME' in os.environ else 'quickstartproject.settings'\n" +
      "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', settings_module)";
    edit(join(root, 'manage.py'), [[/^\s*os\.environ\.setdefault\(["']DJANGO_SETTINGS_MODULE["'], ["']quickstartproject\.settings["']\)$/m, choice]]);
    edit(join(root, 'quickstartproject/wsgi.py'), [[/^os\.environ\.setdefault\(["']DJANGO_SETTINGS_MODULE["'], ["']quickstartproject\.settings["']\)$/m, choice.replace(/^ {4}/gm, '')]]);
    edit(join(root, 'quickstartproject/settings.py'), [
      [/["']django\.middleware\.security\.SecurityMiddleware["'],/, "'django.middleware.security.SecurityMiddleware',\n    'whitenoise.middleware.WhiteNoiseMiddleware',"],
      [/^STATIC_URL = .*$/m, "STATIC_URL = 'static/'\nSTATICFILES_DIRS = (str(BASE_DIR.joinpath('static')),)\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\nSTATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'"],
    ]);
    write(root, {
      'quickstartproject/production.py':
        "from .settings import *\nimport os\n\nALLOWED_HOSTS = [os.environ['WEBSITE_HOSTNAME']] if 'WEBSITE_HOSTNAME' in os.environ else []\n\nDEBUG = False\n",
      'static/bootstrap/css/site.css': 'body { margin: 0; }\n',
      'requirements.txt': 'Django\nwhitenoise\n',
    });
  },
  // justdjango/django-ecommerce: python-decouple reads SECRET_KEY from a committed .env that .dockerignore keeps out
  // of the image; vendored Bootstrap naming a source map and a font it does not ship; Django 2.2 pinned.
  'decouple, vendored CSS, Django 2.2 (shop)': (root) => {
    startproject('djecommerce', root);
    mkdirSync(join(root, 'djecommerce/settings'));
    renameSync(join(root, 'djecommerce/settings.py'), join(root, 'djecommerce/settings/base.py'));
    edit(join(root, 'djecommerce/settings/base.py'), [
      ['.resolve().parent.parent', '.resolve().parent.parent.parent'],
      [/^from pathlib import Path$/m, 'from pathlib import Path\n\nfrom decouple import config'],
      [/^SECRET_KEY = .*$/m, "SECRET_KEY = config('SECRET_KEY')"],
      [/^STATIC_URL = .*$/m, "STATIC_URL = '/static/'\nSTATICFILES_DIRS = [BASE_DIR / 'static_in_env']"],
    ]);
    edit(join(root, 'manage.py'), [["'djecommerce.settings'", "'djecommerce.settings.development'"]]);
    write(root, {
      'djecommerce/settings/__init__.py': '',
      'djecommerce/settings/development.py': "from .base import *\n\nDEBUG = True\nALLOWED_HOSTS = ['127.0.0.1']\n",
      'djecommerce/settings/production.py':
        "from .base import *\n\nDEBUG = config('DEBUG', cast=bool)\nALLOWED_HOSTS = ['ip-address', 'www.your-website.com']\n",
      '.env': "SECRET_KEY='-05sgp9!deq=q1nltm@^^2cc+v29i(tyybv3v2t77qi66czazj'\nDEBUG=True\n",
      '.dockerignore': '.env\n.git\n',
      'static_in_env/css/bootstrap.min.css': VENDORED_CSS,
      'static_in_env/fonts/icons.woff2': 'wOF2-not-really\n',
      'requirements.txt': 'Django==2.2.14\npython-decouple==3.1\n',
    });
  },
  // HackSoftware/Django-Styleguide-Example: django-environ, a gunicorn.conf.py and a compose file of its own.
  'django-environ, own gunicorn.conf.py (starter)': (root) => {
    startproject('styleguide', root);
    edit(join(root, 'styleguide/settings.py'), [
      [/^from pathlib import Path$/m, 'import os\nfrom pathlib import Path\n\nimport environ\n\nenv = environ.Env()'],
      [/^SECRET_KEY = .*$/m, 'SECRET_KEY = env("SECRET_KEY")'],
      [/^DEBUG = .*$/m, 'DEBUG = env.bool("DJANGO_DEBUG", default=True)'],
      [/^ALLOWED_HOSTS = .*$/m, 'ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])\nSENTRY_DSN = env("SENTRY_DSN", default="")'],
      [/["']default["']: \{\n\s*["']ENGINE["']: ["']django\.db\.backends\.sqlite3["'],\n\s*["']NAME["']: BASE_DIR \/ ["']db\.sqlite3["'],\n\s*\}/, '"default": env.db("DATABASE_URL", default="sqlite:///" + os.path.join(BASE_DIR, "db.sqlite3"))'],
    ]);
    write(root, {
      'gunicorn.conf.py': 'import structlog  # their logging, not installed in the image\nworkers = 4\n',
      'docker-compose.yml': 'services:\n  db:\n    image: postgres:14\n  django:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n',
      'requirements.txt': 'Django>=4.2,<5.0\ndjango-environ==0.4.4\ngunicorn==22.0.0\npsycopg2-binary==2.9.9\n',
    });
  },
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
}

export function userRepository(layout: string): string {
  const root = temporaryFolder('existing-');
  (LAYOUTS[layout] ?? SHAPES[layout])(root);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'the team\'s project');
  return root;
}
