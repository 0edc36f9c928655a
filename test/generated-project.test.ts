/**
 * What a first run writes, read for meaning: every YAML file parsed, the keys that matter checked against each
 * other (target container, volume, mount points, STATIC_ROOT and the nginx alias; one pipeline per branch).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { VERSIONS } from '../generators/shared/versions.js';
import { packageVersion } from '../generators/shared/paths.js';
import { contentHash } from '../generators/shared/reconcile.js';
import { DEMO_FLAGS, generateProject, listFiles, readText, readYaml, runApp } from './support/generate.js';

const EXPECTED_FILES = [
  '.gitignore',
  '.yo-rc.json',
  'README.md',
  'app/.dockerignore',
  'app/Dockerfile',
  'app/config/settings.py',
  'app/config/urls.py',
  'app/config/wsgi.py',
  'app/config/asgi.py',
  'app/entrypoint.sh',
  'app/gunicorn.conf.py',
  'app/manage.py',
  'app/requirements.txt',
  'copilot/.workspace',
  'copilot/README.md',
  'copilot/django/manifest.yml',
  'copilot/environments/addons/addons.parameters.yml',
  'copilot/environments/addons/db.yml',
  'copilot/environments/dev/manifest.yml',
  'copilot/environments/prod/manifest.yml',
  'copilot/pipelines/amazon-ecs-public-key.asc',
  'copilot/pipelines/demo-develop/buildspec.yml',
  'copilot/pipelines/demo-develop/manifest.yml',
  'copilot/pipelines/demo-main/buildspec.yml',
  'copilot/pipelines/demo-main/manifest.yml',
  'docker-compose.yml',
  'nginx/Dockerfile',
  'nginx/entrypoint.sh',
  'nginx/nginx.conf',
];

/** `ENV NAME=value` lines of a Dockerfile (one or several pairs per line). */
function dockerEnv(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const match = /^ENV\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    for (const pair of match[1].matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[pair[1]] = pair[2].replace(/^"|"$/g, '');
  }
  return env;
}

describe('yo copilot-django --yes with the demo flags', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await generateProject(DEMO_FLAGS);
  });

  test('writes the whole project', () => {
    const files = listFiles(folder);
    for (const file of EXPECTED_FILES) expect(files).toContain(file);
  });

  test('leaves no template tag in any file', () => {
    for (const file of listFiles(folder)) expect(readText(folder, file)).not.toMatch(/<%|%>/);
  });

  test('stores the answers, and no secret, in .yo-rc.json', () => {
    const { version, written, ...stored } = JSON.parse(readText(folder, '.yo-rc.json'))['generator-copilot-django'];
    expect(stored).toEqual({ ...DEMO_FLAGS, service: 'django', allowHttp: false, djangoDir: 'app', settings: '', wsgi: '', media: 'none', worker: 'none', jobs: false, target: 'copilot', environmentDatabase: true });
    expect(readText(folder, '.yo-rc.json')).not.toMatch(/password|secret/i);
    // The record of the run: the version that wrote, and each file it wrote with the hash of what it wrote.
    expect(version).toBe(packageVersion());
    // Copilot's patch files are derived from the manifests on disk and keep the user's own patches (overrides.ts).
    const files = listFiles(folder).filter((file) => file !== '.yo-rc.json' && !file.endsWith('/overrides/cfn.patches.yml'));
    expect(Object.keys(written).sort()).toEqual(files);
    for (const file of files) expect([file, written[file]]).toEqual([file, contentHash(readText(folder, file))]);
  });

  test('the load balancer targets the nginx sidecar, which has a port; Django keeps its own', () => {
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    expect(manifest.type).toBe('Load Balanced Web Service');
    expect(manifest.http.target_container).toBe('nginx');
    expect(manifest.sidecars.nginx.port).toBe(8080);
    expect(manifest.image.port).toBe(8000);
    expect(manifest.http.healthcheck.path).toBe('/healthz/');
    expect(manifest.exec).toBe(true);
    // Service Connect off: one service needs no discovery, and it is what blocks a deployed service's Spot switch.
    expect(manifest.network.connect).toBe(false);
    // The target group's port is nginx's, named next to the container it belongs to.
    expect(manifest.http.target_port).toBe(manifest.sidecars.nginx.port);
  });

  test('one EFS volume at STATIC_ROOT, read-write for Django, mounted at the same path in nginx, where nginx aliases /static/', () => {
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    const volumes = Object.entries(manifest.storage.volumes) as Array<[string, { path: string; read_only: boolean; efs: unknown }]>;
    expect(volumes).toHaveLength(1);
    const [volumeName, volume] = volumes[0];
    expect(volume.read_only).toBe(false);
    expect(volume.efs).toEqual({ uid: 1000, gid: 1000 });
    const staticRoot = dockerEnv(readText(folder, 'app/Dockerfile')).DJANGO_STATIC_ROOT;
    expect(volume.path).toBe(staticRoot);
    expect(manifest.sidecars.nginx.mount_points).toEqual([{ source_volume: volumeName, path: staticRoot, read_only: true }]);
    expect(readText(folder, 'nginx/nginx.conf')).toMatch(new RegExp(`location /static/ \\{\\s*alias ${staticRoot}/;`));
  });

  test('the cloud secrets come from SSM, never as values', () => {
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    for (const name of ['DJANGO_SECRET_KEY', 'DJANGO_SUPERUSER_USERNAME', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD']) {
      expect(manifest.secrets[name]).toBe(`/copilot/\${COPILOT_APPLICATION_NAME}/\${COPILOT_ENVIRONMENT_NAME}/secrets/${name}`);
    }
    expect(manifest.variables).toMatchObject({ DJANGO_DOMAIN: 'example.com', DJANGO_HTTPS: 'true' });
  });

  test('every environment runs on Spot, production with two tasks of which one stays on regular Fargate', () => {
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    expect(manifest.environments).toEqual({
      dev: { count: { range: { min: 1, max: 1, spot_from: 1 }, cpu_percentage: 70 } },
      prod: { count: { range: { min: 2, max: 2, spot_from: 2 }, cpu_percentage: 70 }, exec: false },
    });
    expect(manifest.platform).toBe('linux/x86_64');
  });

  test('an environment manifest per environment', () => {
    for (const name of ['dev', 'prod']) {
      expect(readYaml(folder, `copilot/environments/${name}/manifest.yml`)).toMatchObject({ name, type: 'Environment' });
    }
  });

  test('one pipeline per branch, deploying only to its environment, production behind approval, one shared connection', () => {
    const pairs = [
      { branch: 'develop', environment: 'dev', name: 'demo-develop', approval: false },
      { branch: 'main', environment: 'prod', name: 'demo-main', approval: true },
    ];
    for (const { branch, environment, name, approval } of pairs) {
      const pipeline = readYaml(folder, `copilot/pipelines/${name}/manifest.yml`);
      expect(pipeline.name).toBe(name);
      expect(pipeline.version).toBe(1);
      expect(pipeline.source).toEqual({
        provider: 'GitHub',
        properties: { branch, repository: 'https://github.com/example/demo', connection_name: 'demo-github' },
      });
      expect(pipeline.stages).toEqual([{ name: environment, requires_approval: approval, deployments: { django: null } }]);
      expect(pipeline.build.buildspec).toBe(`copilot/pipelines/${name}/buildspec.yml`);
      const buildspec = readYaml(folder, `copilot/pipelines/${name}/buildspec.yml`);
      expect(buildspec.env.variables).toMatchObject({ COPILOT_VERSION: VERSIONS.copilot.version, COPILOT_ENVIRONMENT: environment, COPILOT_SERVICES: 'django', COPILOT_JOBS: '' });
      expect(buildspec.artifacts.files).toEqual(['infrastructure/*']);
    }
  });

  test('the entrypoint is an executable POSIX script that ends in exec "$@"', () => {
    const entrypoint = join(folder, 'app/entrypoint.sh');
    expect(statSync(entrypoint).mode & 0o111).toBeTruthy();
    execFileSync('sh', ['-n', entrypoint]);
    const text = readText(folder, 'app/entrypoint.sh');
    expect(text).toMatch(/collectstatic --noinput/);
    expect(text).toMatch(/migrate --noinput/);
    expect(text).not.toMatch(/^[^#\n]*collectstatic[^\n]*--clear/m);
    expect(text.trimEnd().split('\n').pop()).toBe('exec "$@"');
  });

  test('the Django image: dependencies before code, non-root user, ENTRYPOINT plus a gunicorn CMD on the task loopback, 127.0.0.1:8000', () => {
    const dockerfile = readText(folder, 'app/Dockerfile');
    const lines = dockerfile.split('\n').map((line) => line.trim());
    const requirements = lines.findIndex((line) => /^COPY requirements\.txt/.test(line));
    const install = lines.findIndex((line) => /pip install .*-r requirements\.txt/.test(line));
    const code = lines.findIndex((line) => /^COPY \. /.test(line));
    expect(requirements).toBeGreaterThan(-1);
    expect(install).toBeGreaterThan(requirements);
    expect(code).toBeGreaterThan(install);
    expect(lines.find((line) => line.startsWith('USER'))).toMatch(/^USER (1000|\w+)/);
    expect(lines.find((line) => line.startsWith('USER'))).not.toMatch(/root|^USER 0/);
    expect(JSON.parse(lines.find((line) => line.startsWith('ENTRYPOINT'))!.slice('ENTRYPOINT'.length))).toEqual(['/app/entrypoint.sh']);
    const command: string[] = JSON.parse(lines.find((line) => line.startsWith('CMD'))!.slice('CMD'.length));
    expect(command[0]).toBe('gunicorn');
    expect(command.join(' ')).toMatch(/--bind 127\.0\.0\.1:8000/);
  });

  test("gunicorn's workers fit the task's CPU units, (2 × vCPU) + 1 and at least 2, the same in the manifest and gunicorn.conf.py", () => {
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    const workers = Math.max(2, (2 * manifest.cpu) / 1024 + 1);
    expect(manifest.variables).toMatchObject({ WEB_CONCURRENCY: workers, GUNICORN_THREADS: 4 });
    const config = readText(folder, 'app/gunicorn.conf.py');
    expect(config).toContain(`workers = int(os.environ.get("WEB_CONCURRENCY", "${workers}"))`);
    expect(config).toContain('threads = int(os.environ.get("GUNICORN_THREADS", "4"))');
  });

  test('requirements: the Django release, gunicorn and psycopg 3 that versions.ts pins', () => {
    const requirements = readText(folder, 'app/requirements.txt');
    expect(requirements).toBe(`${VERSIONS.django.requirement}\n${VERSIONS.gunicorn.requirement}\n${VERSIONS.psycopg.requirement}\n`);
  });

  test('docker-compose mirrors the task: nginx in Django\'s network, one static volume in both', () => {
    const compose = readYaml(folder, 'docker-compose.yml');
    expect(compose.services.nginx.network_mode).toBe('service:django');
    // Uploads without a bucket go to the media volume, which nginx does not mount.
    expect(compose.services.django.volumes).toEqual(['static:/srv/static', 'media:/srv/media']);
    expect(compose.services.nginx.volumes).toEqual(['static:/srv/static:ro']);
    expect(Object.keys(compose.services)).toContain('db');
  });

  test('the README walks from nothing to deployed and explains the Spot switch', () => {
    const readme = readText(folder, 'copilot/README.md');
    expect(readme).toContain('```mermaid');
    // The order that works is test/runbook.test.ts's subject; here, the milestones in that order.
    const steps = [
      'copilot app init demo --domain example.com',
      'copilot env init --name dev',
      'copilot env deploy --name prod',
      'copilot svc init --name django',
      'copilot secret init --name DJANGO_SECRET_KEY',
      'copilot svc deploy --name django --env dev',
      'git push origin HEAD:main',
      'aws codestar-connections create-connection --provider-type GitHub --connection-name demo-github',
      'copilot pipeline deploy --name demo-develop',
      'copilot pipeline deploy --name demo-main',
    ];
    expect(readme).not.toContain('copilot storage init');
    let last = -1;
    for (const step of steps) {
      const at = readme.indexOf(step);
      expect(at).toBeGreaterThan(last);
      last = at;
    }
    expect(readme).toMatch(/network\.connect: false/);
  });

  test('every YAML file parses and survives a round trip through the yaml package unchanged', () => {
    for (const file of listFiles(folder).filter((name) => /\.ya?ml$|\.workspace$/.test(name))) {
      const text = readText(folder, file);
      // Errors only: CloudFormation's short forms (!Ref, !Sub, …) in copilot/environments/addons/ are tags the yaml package keeps but warns about.
      expect(parseDocument(text).errors).toEqual([]);
    }
  });
});

describe('the options change what they should', () => {
  test('without --spot every environment runs on regular Fargate; production allows no svc exec', async () => {
    const folder = await generateProject({ ...DEMO_FLAGS, spot: false });
    expect(readYaml(folder, 'copilot/django/manifest.yml').environments).toEqual({ dev: { count: 1 }, prod: { count: 2, exec: false } });
  });

  test('without a domain: HTTP settings, no DJANGO_DOMAIN, README says what a domain adds', async () => {
    const folder = await generateProject({ ...DEMO_FLAGS, domain: '', 'allow-http': true });
    const manifest = readYaml(folder, 'copilot/django/manifest.yml');
    expect(manifest.variables.DJANGO_HTTPS).toBe('false');
    expect(manifest.variables.DJANGO_DOMAIN).toBeUndefined();
    expect(readText(folder, 'copilot/README.md')).toContain('copilot app init demo\n');
    expect(readText(folder, 'copilot/README.md')).toMatch(/A domain adds HTTPS/);
  });

  test('three branches give three pipelines, a branch with a slash a safe name', async () => {
    const folder = await generateProject({ ...DEMO_FLAGS, branches: 'develop:dev,release/2.0:staging,main:prod' });
    const pipelines = listFiles(folder).filter((file) => file.endsWith('/manifest.yml') && file.startsWith('copilot/pipelines/'));
    expect(pipelines).toEqual(['copilot/pipelines/demo-develop/manifest.yml', 'copilot/pipelines/demo-main/manifest.yml', 'copilot/pipelines/demo-release-2-0/manifest.yml']);
    const release = readYaml(folder, 'copilot/pipelines/demo-release-2-0/manifest.yml');
    expect(release.source.properties.branch).toBe('release/2.0');
    expect(release.stages.map((stage: { name: string }) => stage.name)).toEqual(['staging']);
  });

  test('a numeric-looking branch stays a string in the pipeline manifest', async () => {
    const folder = await generateProject({ ...DEMO_FLAGS, branches: '1.0:dev' });
    expect(readYaml(folder, 'copilot/pipelines/demo-1-0/manifest.yml').source.properties.branch).toBe('1.0');
  });

  test('without a repository no pipeline is written and the README says how to add them', async () => {
    const folder = await generateProject({ ...DEMO_FLAGS, repository: '' });
    expect(listFiles(folder).filter((file) => file.startsWith('copilot/pipelines/'))).toEqual([]);
    expect(readText(folder, 'copilot/README.md')).toContain('--repository');
  });
});

describe('without flags', () => {
  test('asks each question once and uses the answers', async () => {
    const answers = { app: 'shop', service: 'web', domain: 'shop.example.org', branches: 'main:prod', spot: false, repository: 'https://bitbucket.org/team/shop', media: 'none', worker: 'none', jobs: false };
    const result = await runApp({}, { answers });
    expect(result.askedQuestions.map((question) => question.name)).toEqual(['app', 'service', 'domain', 'branches', 'spot', 'repository', 'media', 'worker', 'jobs', 'target']);
    const manifest = parse(result.getSnapshot()[join(result.cwd, 'copilot/web/manifest.yml')]?.contents ?? readText(result.cwd, 'copilot/web/manifest.yml'));
    expect(manifest.name).toBe('web');
    expect(readYaml(result.cwd, 'copilot/pipelines/shop-main/manifest.yml').source).toMatchObject({ provider: 'Bitbucket', properties: { connection_name: 'shop-bitbucket' } });
  });

  test('a flag skips its prompt', async () => {
    const result = await runApp({ app: 'shop', spot: true, media: 'none', worker: 'none', jobs: false, target: 'copilot' }, { answers: { service: 'django', domain: '', branches: 'main:prod', allowHttp: true, repository: '' } });
    // Without a domain, production over plain HTTP is asked too.
    expect(result.askedQuestions.map((question) => question.name)).toEqual(['service', 'domain', 'branches', 'allowHttp', 'repository']);
  });
});
