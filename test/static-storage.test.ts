/**
 * A team's static files under the deployment's storage, with Debian's Django and
 * WhiteNoise: their storage settings of before Django 4.2 next to the STORAGES the deployment sets, and vendored
 * stylesheets that name files the project never shipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeWith, PYTHON } from './support/programs.js';
import { readStaticManifest } from './support/static-manifest.js';
import { DEMO_FLAGS, runApp, temporaryFolder } from './support/generate.js';
import { cloudEnvironment, localEnvironment, SERVICE_HOST, startproject } from './support/task-environment.js';

const OUR_STATIC_STORAGE = 'copilot_deploy.storage.CompressedManifestStaticFilesStorage';
const WHITENOISE_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage';
const HASHED = /\.[0-9a-f]{12}\./;

/** Their own storage for uploads, and a stylesheet of theirs, long enough to get a gzip copy. */
const THEIR_FILES = {
  'mysite/storage.py': 'from django.core.files.storage import FileSystemStorage\n\n\nclass MediaStorage(FileSystemStorage):\n    pass\n',
  'static/site/app.css': `body { margin: 0; }\n${'.card { padding: 1rem; border: 1px solid #ddd; }\n'.repeat(12)}`,
};

const WHITENOISE_PROJECT = `
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware")
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
`;

/** The two ways a team names its storages: the names Django 4.2 deprecated, and STORAGES. */
const STORAGE_SETTINGS = [
  {
    shape: 'STATICFILES_STORAGE and DEFAULT_FILE_STORAGE (before Django 4.2)',
    settings: `${WHITENOISE_PROJECT}STATICFILES_STORAGE = "${WHITENOISE_STORAGE}"\nDEFAULT_FILE_STORAGE = "mysite.storage.MediaStorage"\n`,
    theirDefault: { BACKEND: 'mysite.storage.MediaStorage' },
    theirOldNames: ['DEFAULT_FILE_STORAGE', 'STATICFILES_STORAGE'],
  },
  {
    shape: 'STORAGES with options',
    settings: `${WHITENOISE_PROJECT}STORAGES = {\n    "default": {"BACKEND": "mysite.storage.MediaStorage", "OPTIONS": {"location": "/srv/media"}},\n    "staticfiles": {"BACKEND": "${WHITENOISE_STORAGE}"},\n}\n`,
    theirDefault: { BACKEND: 'mysite.storage.MediaStorage', OPTIONS: { location: '/srv/media' } },
    theirOldNames: [],
  },
];

/** What Django made of the settings: the storages it builds, STORAGES, and which old names count as set. */
const STORAGES_PROBE = `
import json, django
django.setup()
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
def backend(lazy):
    lazy._setup()
    return f"{type(lazy._wrapped).__module__}.{type(lazy._wrapped).__qualname__}"
print(json.dumps({
    "default": backend(default_storage),
    "staticfiles": backend(staticfiles_storage),
    "STORAGES": settings.STORAGES,
    "setOldNames": [name for name in ("DEFAULT_FILE_STORAGE", "STATICFILES_STORAGE") if settings.is_overridden(name)],
}))
`;

/** The running task: the health check, and a hashed stylesheet through their WhiteNoise middleware. */
const REQUESTS_PROBE = `
import json, sys, django
django.setup()
from django.templatetags.static import static
from django.test import Client
client = Client()
url = static("site/app.css")
print(json.dumps({
    "health": client.get("/healthz/", HTTP_HOST=sys.argv[1]).status_code,
    "url": url,
    "static": client.get(url, HTTP_HOST=sys.argv[1], secure=True).status_code,
}))
`;

/** At run time a missing file still fails: a template's {% static %} and the storage's url(). */
const RUNTIME_PROBE = `
import json, sys, django
django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import engines
def outcome(call):
    try:
        return call()
    except ValueError as error:
        return f"ValueError: {error}"
template = engines["django"].from_string("{% load static %}{% static 'vendor/bootstrap/fonts/missing.woff' %}")
print(json.dumps({
    "present": outcome(lambda: staticfiles_storage.url(sys.argv[1])),
    "missingFromTemplate": outcome(lambda: template.render({})),
    "missing": outcome(lambda: staticfiles_storage.url("vendor/bootstrap/css/bootstrap.min.css.map")),
}))
`;

function python(cwd: string, env: NodeJS.ProcessEnv, args: string[]): string {
  return execFileSync(PYTHON, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function probe(cwd: string, env: NodeJS.ProcessEnv, script: string, ...args: string[]) {
  return JSON.parse(python(cwd, env, ['-c', script, ...args]).trim().split('\n').pop()!);
}

function collectstatic(cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(PYTHON, ['manage.py', 'collectstatic', '--no-input'], { cwd, env, encoding: 'utf8' });
}

function manifest(staticRoot: string): Record<string, string> {
  return readStaticManifest(staticRoot).paths;
}

async function adopt(settings: string, files: Record<string, string | Buffer>): Promise<string> {
  const root = startproject(settings, files);
  await runApp({ yes: true, ...DEMO_FLAGS }, { cwd: root });
  return root;
}

describeWith(['django', 'whitenoise'])("a team's storage settings next to the deployment's STORAGES", () => {
  describe.each(STORAGE_SETTINGS)('$shape', ({ settings, theirDefault, theirOldNames }) => {
    let root: string;
    let staticRoot: string;
    beforeAll(async () => {
      root = await adopt(settings, THEIR_FILES);
      staticRoot = temporaryFolder('static-volume-');
    });

    test('manage.py check --deploy --fail-level WARNING passes in the task', () => {
      python(root, cloudEnvironment(staticRoot), ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING']);
    });

    test('in the task, static files use the deployment storage and uploads their own storage, in STORAGES alone', () => {
      const django = probe(root, cloudEnvironment(staticRoot), STORAGES_PROBE);
      expect(django.STORAGES.default).toEqual(theirDefault);
      expect(django.STORAGES.staticfiles).toEqual({ BACKEND: OUR_STATIC_STORAGE });
      expect(django.default).toBe('mysite.storage.MediaStorage');
      expect(django.staticfiles).toBe(OUR_STATIC_STORAGE);
      expect(django.setOldNames).toEqual([]);
    });

    test('collectstatic writes hashed files and gzip copies to DJANGO_STATIC_ROOT; their middleware serves them', () => {
      const result = collectstatic(root, cloudEnvironment(staticRoot));
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const paths = manifest(staticRoot);
      for (const name of ['site/app.css', 'admin/css/base.css']) {
        expect(paths[name]).toMatch(HASHED);
        expect(existsSync(join(staticRoot, paths[name]))).toBe(true);
        expect(existsSync(join(staticRoot, `${paths[name]}.gz`))).toBe(true);
      }
      const task = probe(root, cloudEnvironment(staticRoot), REQUESTS_PROBE, SERVICE_HOST);
      expect(task).toEqual({ health: 200, url: `/static/${paths['site/app.css']}`, static: 200 });
    });

    test('without DJANGO_STATIC_ROOT their settings are as they wrote them', () => {
      const django = probe(root, localEnvironment(), STORAGES_PROBE);
      expect(django.default).toBe('mysite.storage.MediaStorage');
      expect(django.staticfiles).toBe(WHITENOISE_STORAGE);
      expect(django.STORAGES.staticfiles).toEqual({ BACKEND: WHITENOISE_STORAGE });
      expect(django.setOldNames).toEqual(theirOldNames);
    });
  });
});

/** bootstrap as teams vendor it: the minified files, without their source maps, and one of two fonts. */
const VENDORED = {
  'static/vendor/bootstrap/css/bootstrap.min.css': [
    '/*! Bootstrap v3.4.1 (https://getbootstrap.com/) | MIT License */',
    '@font-face{font-family:"Glyphicons Halflings";src:url(../fonts/missing.woff) format("woff"),url(\'../fonts/present.woff2\') format("woff2")}',
    '.navbar-brand{background-image:url(../img/logo.png);background-repeat:no-repeat}',
    '.glyphicon{position:relative;top:1px;display:inline-block;font-family:"Glyphicons Halflings";font-style:normal}',
    '/*# sourceMappingURL=bootstrap.min.css.map */',
    '',
  ].join('\n'),
  'static/vendor/bootstrap/js/bootstrap.min.js': '!function(t){"use strict";t.fn.emulateTransitionEnd=function(){return this}}(jQuery);\n//# sourceMappingURL=bootstrap.min.js.map\n',
  'static/vendor/bootstrap/fonts/present.woff2': Buffer.from('wOF2 a font of the team'),
  'static/vendor/bootstrap/img/logo.png': Buffer.from('\x89PNG a logo of the team', 'latin1'),
};

describeWith(['django'])('a vendored stylesheet that names files the project never shipped', () => {
  const css = 'vendor/bootstrap/css/bootstrap.min.css';
  const js = 'vendor/bootstrap/js/bootstrap.min.js';
  let root: string;
  let staticRoot: string;
  let result: ReturnType<typeof collectstatic>;
  beforeAll(async () => {
    root = await adopt('STATICFILES_DIRS = [BASE_DIR / "static"]\n', VENDORED);
    staticRoot = temporaryFolder('static-volume-');
    result = collectstatic(root, cloudEnvironment(staticRoot));
  });

  test('collectstatic exits 0 and hashes every file that is there', () => {
    expect(result.status).toBe(0);
    const paths = manifest(staticRoot);
    for (const name of [css, js, 'vendor/bootstrap/fonts/present.woff2', 'vendor/bootstrap/img/logo.png', 'admin/css/base.css']) {
      expect(paths[name]).toMatch(HASHED);
      expect(existsSync(join(staticRoot, paths[name]))).toBe(true);
    }
    expect(Object.keys(paths).filter((name) => name.includes('missing') || name.endsWith('.map'))).toEqual([]);
  });

  test('a warning on stderr names each missing file and the file that refers to it, once', () => {
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('Warning:'));
    expect(warnings.sort()).toEqual([
      `Warning: ${css} refers to vendor/bootstrap/css/bootstrap.min.css.map, which is not among the static files: the reference is left as written, unhashed.`,
      `Warning: ${css} refers to vendor/bootstrap/fonts/missing.woff, which is not among the static files: the reference is left as written, unhashed.`,
      `Warning: ${js} refers to vendor/bootstrap/js/bootstrap.min.js.map, which is not among the static files: the reference is left as written, unhashed.`,
    ]);
  });

  test('the missing references stay as written; the present ones point at their hashed names', () => {
    const paths = manifest(staticRoot);
    const stylesheet = readFileSync(join(staticRoot, paths[css]), 'utf8');
    expect(stylesheet).toContain('src:url(../fonts/missing.woff) format("woff")');
    expect(stylesheet).toContain('\n/*# sourceMappingURL=bootstrap.min.css.map */\n');
    expect(stylesheet).toContain(`url("../fonts/${basename(paths['vendor/bootstrap/fonts/present.woff2'])}") format("woff2")`);
    expect(stylesheet).toContain(`background-image:url("../img/${basename(paths['vendor/bootstrap/img/logo.png'])}")`);
    expect(readFileSync(join(staticRoot, paths[js]), 'utf8')).toContain('\n//# sourceMappingURL=bootstrap.min.js.map\n');
  });

  test('at run time a missing file still fails, as with Django storage; a present one gets its hashed URL', () => {
    const outcome = probe(root, cloudEnvironment(staticRoot), RUNTIME_PROBE, css);
    expect(outcome).toEqual({
      present: `/static/${manifest(staticRoot)[css]}`,
      missingFromTemplate: "ValueError: Missing staticfiles manifest entry for 'vendor/bootstrap/fonts/missing.woff'",
      missing: "ValueError: Missing staticfiles manifest entry for 'vendor/bootstrap/css/bootstrap.min.css.map'",
    });
  });
});
