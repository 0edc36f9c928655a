/**
 * Two versions of the generated project on one static volume, as during a rolling deploy or a rollback: version A
 * collects, version B (one stylesheet removed, one added, one changed) collects onto the same STATIC_ROOT, and
 * tasks of both keep serving. Run with Debian's Django through the project's own entrypoint.sh, each render in a
 * fresh Python process, as a gunicorn worker that restarts (crash, timeout, memory) after the other version
 * started.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { planContext } from '../generators/shared/plan.js';
import { DEMO_ANSWERS } from './support/generate.js';
import { describeWith, PYTHON } from './support/programs.js';
import { imagePath, lastJsonLine, localEnv, renderProject, runEntrypoint } from './support/rendered-project.js';
import { MANIFEST_NAME, readStaticManifestFile, staticManifestNames } from './support/static-manifest.js';
import { MetadataEndpoint } from './support/task/metadata.js';
import { PostgresServer } from './support/task/postgres.js';
import { run, teardown } from './support/task/processes.js';

const CONTEXT = planContext({ ...DEMO_ANSWERS, spot: false });

/** Long enough for a gzip copy (copilot_deploy/storage.py: MIN_SIZE). */
const stylesheet = (rule: string) => `${rule}\n`.repeat(24);

const SHARED_BY_A = stylesheet('.banner { color: #a00; padding: 1rem; }');
const SHARED_BY_B = stylesheet('.banner { color: #00b; margin: 2rem; }');
const SAME_IN_BOTH = stylesheet('.footer { font-size: small; }');

/** A page app of each version: its template links its stylesheets by {% static %}. */
const VERSIONS = {
  A: {
    'pages/static/pages/a-only.css': stylesheet('.only-in-a { display: block; }'),
    'pages/static/pages/shared.css': SHARED_BY_A,
    'pages/static/pages/same.css': SAME_IN_BOTH,
    'pages/templates/pages/home.html': pageLinking(['pages/a-only.css', 'pages/shared.css', 'pages/same.css']),
  },
  B: {
    'pages/static/pages/b-only.css': stylesheet('.only-in-b { display: flex; }'),
    'pages/static/pages/shared.css': SHARED_BY_B,
    'pages/static/pages/same.css': SAME_IN_BOTH,
    'pages/templates/pages/home.html': pageLinking(['pages/b-only.css', 'pages/shared.css', 'pages/same.css']),
  },
};
type Version = keyof typeof VERSIONS;

function pageLinking(stylesheets: string[]): string {
  return `{% load static %}<!doctype html>\n${stylesheets.map((name) => `<link rel="stylesheet" href="{% static '${name}' %}">`).join('\n')}\n`;
}

const PAGES_APP = {
  'pages/__init__.py': '',
  'pages/views.py': 'from django.shortcuts import render\n\n\ndef home(request):\n    return render(request, "pages/home.html")\n',
};
const SETTINGS_TAIL = '\nINSTALLED_APPS += ["pages"]\n';
const URLS_TAIL = '\nfrom pages.views import home  # noqa: E402\n\nurlpatterns += [path("pages/", home)]\n';

/** A fresh process renders the page, as a restarted worker would: the status and the stylesheets it links. */
const PAGE_PROBE = `
import json, re, django
django.setup()
from django.test import Client
response = Client(raise_request_exception=False).get("/pages/", HTTP_HOST="localhost")
print(json.dumps({"status": response.status_code, "links": re.findall(r'href="([^"]+)"', response.content.decode())}))
`;

/**
 * When each version's files were written, as in its image. B is built after A's tasks collected: its sources are
 * newer than A's copies on the volume, as a deploy's are, and a rollback's sources are older than the copies the
 * version it replaces made (collectstatic compares modification times to the second).
 */
const BUILT: Record<Version, Date> = { A: new Date(Date.now() - 3_600_000), B: new Date(Date.now() + 3_600_000) };

/** The generated project, with version `version` of the page app, in a folder of its own; `python` on PATH as in the image. */
async function renderVersion(workDir: string, version: Version): Promise<{ project: string; bin: string }> {
  const root = await mkdtemp(path.join(workDir, `version-${version}-`));
  const { project, bin } = await renderProject(CONTEXT, root);
  for (const [file, contents] of Object.entries({ ...PAGES_APP, ...VERSIONS[version] })) {
    await mkdir(path.dirname(path.join(project, file)), { recursive: true });
    await writeFile(path.join(project, file), contents);
    await utimes(path.join(project, file), BUILT[version], BUILT[version]);
  }
  await writeFile(path.join(project, 'config', 'settings.py'), SETTINGS_TAIL, { flag: 'a' });
  await writeFile(path.join(project, 'config', 'urls.py'), URLS_TAIL, { flag: 'a' });
  return { project, bin };
}

/** Two versions of the project, a shared static volume, and what a task of each does. */
async function twoVersions(workDir: string, taskEnv: (bin: string) => NodeJS.ProcessEnv) {
  const staticRoot = await mkdtemp(path.join(workDir, 'static-volume-'));
  const versions = { A: await renderVersion(workDir, 'A'), B: await renderVersion(workDir, 'B') };
  const env = (version: Version) => ({ ...taskEnv(versions[version].bin), DJANGO_STATIC_ROOT: staticRoot });
  /** The task's start: entrypoint.sh, with a CMD that only says it ran. */
  const start = async (version: Version) => {
    const result = await runEntrypoint(versions[version].project, env(version));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n').pop()).toBe('exec ok');
    return result.stdout;
  };
  const page = async (version: Version) =>
    lastJsonLine<{ status: number; links: string[] }>(await run(PYTHON, ['-c', PAGE_PROBE], { cwd: versions[version].project, env: env(version) }));
  const manage = (version: Version, args: string[]) => run(PYTHON, ['manage.py', ...args], { cwd: versions[version].project, env: env(version) });
  const served = (url: string) => readFile(path.join(staticRoot, url.replace(/^\/static\//, '')), 'utf8');
  return { staticRoot, start, page, manage, served };
}

function localTask(bin: string): NodeJS.ProcessEnv {
  return localEnv({ PATH: imagePath(bin), DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings' });
}

const HASHED = (name: string) => new RegExp(`^/static/pages/${name}\\.[0-9a-f]{12}\\.css$`);

describeWith(['django'])('static files of two versions on one volume', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'static-versions-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("a worker of version A that restarts after version B collected renders A's pages with A's files; B renders its own", async () => {
    const { staticRoot, start, page, served } = await twoVersions(workDir, localTask);
    await start('A');
    const before = await page('A');
    expect(before.status).toBe(200);
    expect(before.links).toEqual([expect.stringMatching(HASHED('a-only')), expect.stringMatching(HASHED('shared')), expect.stringMatching(HASHED('same'))]);

    // Each file of A's page, and A's manifest, as A's collectstatic left them: the same file, never written again.
    const [manifestOfA] = staticManifestNames(staticRoot);
    const identity = async (name: string) => {
      const { ino, mtimeMs } = await stat(path.join(staticRoot, name));
      return { name, ino, mtimeMs };
    };
    const filesOfA = () => Promise.all([manifestOfA, ...before.links.map((url) => url.replace(/^\/static\//, ''))].map(identity));
    const leftByA = await filesOfA();

    await start('B');
    const pageOfB = await page('B');
    expect(pageOfB.status).toBe(200);
    expect(pageOfB.links).toEqual([expect.stringMatching(HASHED('b-only')), expect.stringMatching(HASHED('shared')), expect.stringMatching(HASHED('same'))]);

    // A's restarted worker: the same page as before B started, a file B lacks included.
    const after = await page('A');
    expect(after).toEqual(before);
    expect(await served(after.links[0])).toBe(VERSIONS.A['pages/static/pages/a-only.css']);
    expect(await served(after.links[1])).toBe(SHARED_BY_A);
    expect(await served(pageOfB.links[0])).toBe(VERSIONS.B['pages/static/pages/b-only.css']);
    expect(await served(pageOfB.links[1])).toBe(SHARED_BY_B);
    // An unchanged file has one hashed name, shared by both versions; B's collectstatic neither deleted nor
    // rewrote it (a request of A's page in between would have found it missing), nor anything else of A's.
    expect(pageOfB.links[2]).toBe(after.links[2]);
    expect(await filesOfA()).toEqual(leftByA);

    // A manifest per version, none shared; each names its own version's files.
    const manifests = staticManifestNames(staticRoot);
    expect(manifests).toHaveLength(2);
    const paths = manifests.map((name) => readStaticManifestFile(staticRoot, name).paths);
    expect(paths.map((manifest) => manifest['pages/a-only.css'] !== undefined).sort()).toEqual([false, true]);
    expect(paths.map((manifest) => manifest['pages/b-only.css'] !== undefined).sort()).toEqual([false, true]);
    expect(existsSync(path.join(staticRoot, 'staticfiles.json'))).toBe(false);
  });

  it('a rollback (A, then B, then A) gives the unhashed names and their gzip copies A\'s content again; B keeps rendering', async () => {
    const { staticRoot, start, page } = await twoVersions(workDir, localTask);
    const unhashed = async (name: string) => {
      const file = await readFile(path.join(staticRoot, 'pages', name), 'utf8');
      const gzipped = gunzipSync(await readFile(path.join(staticRoot, 'pages', `${name}.gz`))).toString('utf8');
      return { file, gzipped };
    };
    await start('A');
    const pageOfA = await page('A');
    expect(await unhashed('shared.css')).toEqual({ file: SHARED_BY_A, gzipped: SHARED_BY_A });
    await start('B');
    // The version that collected last holds the unhashed names; pages link hashed names only.
    expect(await unhashed('shared.css')).toEqual({ file: SHARED_BY_B, gzipped: SHARED_BY_B });
    const pageOfB = await page('B');

    const rollback = await start('A');
    expect(rollback).not.toContain('collectstatic: skipped');
    expect(await unhashed('shared.css')).toEqual({ file: SHARED_BY_A, gzipped: SHARED_BY_A });
    expect(await unhashed('same.css')).toEqual({ file: SAME_IN_BOTH, gzipped: SAME_IN_BOTH });
    expect(await unhashed('a-only.css')).toEqual({ file: VERSIONS.A['pages/static/pages/a-only.css'], gzipped: VERSIONS.A['pages/static/pages/a-only.css'] });
    // collectstatic's copy skipped shared.css as unmodified (B's copy is newer than A's source): the storage rewrote it.
    expect(rollback).toContain("1 unhashed static file held another version's content: rewritten with this one's.");
    expect(await page('A')).toEqual(pageOfA);
    // B's tasks still running while the rollback drains them serve their pages.
    expect(await page('B')).toEqual(pageOfB);
    expect(staticManifestNames(staticRoot)).toHaveLength(2);
    // Nothing left to do for the next task of A.
    expect(await start('A')).toContain('collectstatic: skipped, the volume holds the static files of this code already');
  });

  it("collectstatic --dry-run leaves the version's manifest as it is: its pages keep rendering", async () => {
    const { staticRoot, start, page, manage } = await twoVersions(workDir, localTask);
    await start('A');
    const pageOfA = await page('A');
    const [manifest] = staticManifestNames(staticRoot);
    const collected = await readFile(path.join(staticRoot, manifest), 'utf8');
    expect(await manage('A', ['collectstatic', '--noinput', '--dry-run'])).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(path.join(staticRoot, manifest), 'utf8')).toBe(collected);
    expect(await page('A')).toEqual(pageOfA);
  });

  it("a manifest that is gone is collected again, even where the last collectstatic was this version's", async () => {
    const { staticRoot, start, page } = await twoVersions(workDir, localTask);
    await start('A');
    const pageOfA = await page('A');
    const [manifest] = staticManifestNames(staticRoot);
    expect(manifest).toMatch(MANIFEST_NAME);
    await rm(path.join(staticRoot, manifest));
    const again = await start('A');
    expect(again).not.toContain('collectstatic: skipped');
    expect(readStaticManifestFile(staticRoot, manifest).paths['pages/a-only.css']).toBe(pageOfA.links[0].replace(/^\/static\//, ''));
    expect(await page('A')).toEqual(pageOfA);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// On PostgreSQL with the ECS metadata endpoint: copilot_deploy/started.py decides whether a start skips its
// steps, from the image and task definition revision the endpoint names.

/** The container response of the metadata endpoint, for one image and task definition revision. */
function containerMetadata(image: string, revision: string) {
  return {
    Name: 'django',
    ImageID: `sha256:${image.repeat(64).slice(0, 64)}`,
    Labels: {
      'com.amazonaws.ecs.container-name': 'django',
      'com.amazonaws.ecs.task-definition-family': 'demo-dev-django',
      'com.amazonaws.ecs.task-definition-version': revision,
    },
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.1.23'] }],
  };
}

describeWith(['django', 'psycopg2', 'postgres'])('a rollback through the start-up skip logic (ECS metadata, PostgreSQL)', () => {
  let workDir: string;
  let postgres: PostgresServer;
  let metadata: MetadataEndpoint;
  const CONTAINER_PATH = '/v4/container';

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'static-versions-pg-'));
    postgres = await PostgresServer.startOnLoopback();
    metadata = await MetadataEndpoint.startOnLoopback();
  });

  afterAll(async () => {
    await postgres?.stop();
    await teardown();
    await rm(workDir, { recursive: true, force: true });
  });

  it("back on A's image and task definition revision, the start runs the steps and the unhashed names are A's again", async () => {
    const taskEnv = (bin: string) => ({
      ...localTask(bin),
      DATABASE_URL: `postgres://postgres@${postgres.host}:${postgres.port}/postgres`,
      ECS_CONTAINER_METADATA_URI_V4: `${metadata.origin}${CONTAINER_PATH}`,
    });
    const { staticRoot, start, page } = await twoVersions(workDir, taskEnv);
    const SKIPPED = 'entrypoint: start-up steps skipped';
    const sharedCss = () => readFile(path.join(staticRoot, 'pages', 'shared.css'), 'utf8');

    await metadata.serve(CONTAINER_PATH, containerMetadata('a', '1'));
    expect(await start('A')).toContain('record_start: recorded;');
    const pageOfA = await page('A');
    expect(pageOfA.status).toBe(200);
    expect(await start('A')).toContain(SKIPPED);

    await metadata.serve(CONTAINER_PATH, containerMetadata('b', '2'));
    const deploy = await start('B');
    expect(deploy).not.toContain(SKIPPED);
    expect(deploy).not.toContain('collectstatic: skipped');
    expect(await sharedCss()).toBe(SHARED_BY_B);

    // ECS's deployment circuit breaker returns to the last revision that ran, A's image and revision 1.
    await metadata.serve(CONTAINER_PATH, containerMetadata('a', '1'));
    const rollback = await start('A');
    expect(rollback).toContain('entrypoint: running the start-up steps');
    expect(rollback).not.toContain('collectstatic: skipped');
    expect(rollback).toContain('record_start: recorded;');
    expect(await sharedCss()).toBe(SHARED_BY_A);
    expect(gunzipSync(await readFile(path.join(staticRoot, 'pages', 'shared.css.gz'))).toString('utf8')).toBe(SHARED_BY_A);
    expect(await page('A')).toEqual(pageOfA);

    // A task of A replaced after the rollback has nothing left to do, and finds the volume as A left it.
    expect(await start('A')).toContain(SKIPPED);
    expect(await sharedCss()).toBe(SHARED_BY_A);
  });
});
