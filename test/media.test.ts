/**
 * Uploaded files on S3 (--media s3): a private bucket per environment (copilot/environments/addons/media.yml), the
 * service's access to it and its name (copilot/<service>/addons/media.yml), django-storages' S3 backend in the
 * deployment settings, checked against CloudFormation's resource schemas, Copilot's own code (test/data/
 * copilot-media.json, written by scripts/copilot-media.mjs through copilot-render), Django, and a whole task with an
 * S3-compatible server on its network.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { planContext } from '../generators/shared/plan.js';
import { renderFiles } from '../generators/shared/render.js';
import { missingRequirements, newProjectRequirements } from '../generators/shared/requirements.js';
import { NO_STATE } from '../generators/shared/rerun.js';
import { VERSIONS } from '../generators/shared/versions.js';
import { parseTemplate, templateErrors } from './support/cloudformation.js';
import { DEMO_ANSWERS, DEMO_FLAGS, generateProject, ROOT, readText, readYaml, runApp, temporaryFolder } from './support/generate.js';
import { describeWith, PYTHON } from './support/programs.js';
import { Browser, csrfToken } from './support/task/browser.js';
import { header, type HttpResponse } from './support/task/network.js';
import { S3Server } from './support/task/s3.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Database } from './support/task/postgres.js';
import type { Task } from './support/task/task.js';

const ENVIRONMENT_ADDON = 'copilot/environments/addons/media.yml';
const SERVICE_ADDON = 'copilot/django/addons/media.yml';
const SETTINGS = 'app/copilot_deploy/settings.py';

interface Variant {
  name: string;
  flags: string[];
  files?: Record<string, string>;
  checks: string[];
  addonOutputs: { environment: Record<string, string>; service: Record<string, string> };
  services: Record<string, { taskRolePolicies: string[]; variablesFromAddonOutputs: Record<string, Record<string, string>> }>;
  environmentAddonResources: string[];
}
const COPILOT = JSON.parse(readFileSync(join(ROOT, 'test/data/copilot-media.json'), 'utf8')) as { variants: Variant[] };

/**
 * What Copilot's addon parser (internal/pkg/addon/output.go Outputs) calls each output: the type of the resource a
 * `Ref` value names, else a plain value.
 */
function outputKinds(template: Record<string, any>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template.Outputs as Record<string, { Value: any }>).map(([name, output]) => [name, template.Resources[output.Value?.Ref]?.Type ?? 'value']),
  );
}

/** Copilot's toSnakeCase (internal/pkg/template/template_functions.go ToSnakeCaseFunc). */
function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9]+)([A-Z])/g, '$1_$2')
    .replace(/([A-Z0-9])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/**
 * The variables Copilot gives the main container from a workload addon (stack/workload.go envVarOutputNames: every
 * output that is neither a secret nor a managed policy, named in upper snake case), each value resolved the way
 * CloudFormation would: `Fn::ImportValue` of `${App}-${Env}-<export>` looked up in `exports`.
 */
function addonVariables(template: Record<string, any>, stack: { App: string; Env: string; Name: string }, exports: Record<string, string>): Record<string, string> {
  const resolve = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value['Fn::ImportValue'] !== undefined) {
      const name = resolve(value['Fn::ImportValue']);
      if (!(name in exports)) throw new Error(`no export ${name}`);
      return exports[name];
    }
    if (value['Fn::Sub'] !== undefined && typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'].replace(/\$\{(\w+)\}/g, (_: string, key: keyof typeof stack) => stack[key]);
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  const kinds = outputKinds(template);
  return Object.fromEntries(
    Object.entries(template.Outputs as Record<string, { Value: any }>)
      .filter(([name]) => !['AWS::IAM::ManagedPolicy', 'AWS::SecretsManager::Secret'].includes(kinds[name]))
      .map(([name, output]) => [toSnakeCase(name), resolve(output.Value)]),
  );
}

/** IAM's wildcard match of a policy's Action or Resource pattern (`*` any run of characters, `?` one). */
const matches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

/** The policy's statements with the imports resolved: whether it allows `action` on `resource`. */
function allows(policy: Record<string, any>, exports: Record<string, string>, stack: { App: string; Env: string }, action: string, resource: string): boolean {
  const resolve = (value: any): string[] => {
    if (Array.isArray(value)) return value.flatMap(resolve);
    if (typeof value === 'string') return [value];
    if (value['Fn::ImportValue'] !== undefined) {
      const name = resolve(value['Fn::ImportValue'])[0];
      if (!(name in exports)) throw new Error(`the policy imports ${name}, which the environment addon does not export`);
      return [exports[name]];
    }
    if (value['Fn::Sub'] !== undefined) {
      const [text, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
      return [
        String(text).replace(/\$\{(\w+)\}/g, (_: string, key: string) => {
          if (key in variables) return resolve(variables[key])[0];
          if (key in stack) return stack[key as 'App' | 'Env'];
          throw new Error(`unknown variable ${key}`);
        }),
      ];
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  return (policy.Statement as Array<Record<string, any>>).some(
    (statement) =>
      statement.Effect === 'Allow' &&
      [statement.Action].flat().some((pattern: string) => matches(pattern, action)) &&
      resolve(statement.Resource).some((pattern) => matches(pattern, resource)),
  );
}

/** The exports the environment addon declares, for app `demo` and environment `dev`, with a bucket's name and ARN. */
function environmentExports(addon: Record<string, any>, bucket: string): Record<string, string> {
  const values: Record<string, string> = { 'AWS::S3::Bucket': bucket };
  return Object.fromEntries(
    Object.values(addon.Outputs as Record<string, any>).map((output) => {
      const name = String(output.Export.Name['Fn::Sub']).replace('${App}', 'demo').replace('${Env}', 'dev');
      const value = output.Value.Ref ? values[addon.Resources[output.Value.Ref].Type] : output.Value['Fn::GetAtt']?.[1] === 'Arn' ? `arn:aws:s3:::${bucket}` : undefined;
      if (value === undefined) throw new Error(`the test cannot resolve the output ${JSON.stringify(output.Value)}`);
      return [name, value];
    }),
  );
}

let folder: string;
let environmentAddon: Record<string, any>;
let serviceAddon: Record<string, any>;

beforeAll(async () => {
  folder = await generateProject({ ...DEMO_FLAGS, media: 's3' });
  environmentAddon = parseTemplate(readText(folder, ENVIRONMENT_ADDON));
  serviceAddon = parseTemplate(readText(folder, SERVICE_ADDON));
}, 60_000);

describe("the environment's bucket", () => {
  test('is valid CloudFormation', () => {
    expect(templateErrors(environmentAddon)).toEqual([]);
  });

  test('private, encrypted, versioned, plain HTTP refused, retained with its policy when the stack lets go of it', () => {
    const buckets = Object.values(environmentAddon.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(1);
    const [bucket] = buckets;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const policies = Object.values(environmentAddon.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0].DeletionPolicy).toBe('Retain');
    const [statement] = policies[0].Properties.PolicyDocument.Statement;
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': false } } });
    expect(statement.Resource).toHaveLength(2);
  });

  test("exports its name and ARN as ${App}-${Env}-…, like the database's", () => {
    const exports = Object.values(environmentAddon.Outputs as Record<string, any>).map((output) => output.Export.Name['Fn::Sub']);
    expect(exports.sort()).toEqual(['${App}-${Env}-mediaBucketARN', '${App}-${Env}-mediaBucketName']);
  });
});

describe("the service's access", () => {
  test('is valid CloudFormation, and names no workload: any workload folder can hold the same file', () => {
    expect(templateErrors(serviceAddon)).toEqual([]);
    const text = readText(folder, SERVICE_ADDON);
    expect(text).not.toMatch(/\bdjango\b/);
    expect(Object.keys(serviceAddon.Parameters).sort()).toEqual(['App', 'Env', 'Name']);
  });

  test("the managed policy reaches this environment's bucket only: its objects and its listing, no other bucket", () => {
    const policies = Object.values(serviceAddon.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(1);
    const document = policies[0].Properties.PolicyDocument;
    const bucket = 'demo-dev-mediabucket-1q2w3e4r5t6y';
    const exports = environmentExports(environmentAddon, bucket);
    const can = (action: string, resource: string) => allows(document, exports, { App: 'demo', Env: 'dev' }, action, resource);
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(can(action, `arn:aws:s3:::${bucket}/documents/report.pdf`)).toBe(true);
      expect(can(action, 'arn:aws:s3:::another-team-bucket/documents/report.pdf')).toBe(false);
      // A bucket whose name merely starts with this one's.
      expect(can(action, `arn:aws:s3:::${bucket}-copy/documents/report.pdf`)).toBe(false);
    }
    expect(can('s3:ListBucket', `arn:aws:s3:::${bucket}`)).toBe(true);
    expect(can('s3:ListBucket', 'arn:aws:s3:::another-team-bucket')).toBe(false);
    // Nothing that changes who may read: no ACL, no bucket policy, no public access settings.
    for (const action of ['s3:PutObjectAcl', 's3:PutBucketPolicy', 's3:PutBucketAcl', 's3:PutBucketPublicAccessBlock', 's3:DeleteBucket']) {
      expect(can(action, `arn:aws:s3:::${bucket}`) || can(action, `arn:aws:s3:::${bucket}/x`)).toBe(false);
    }
  });

  test("the bucket's name reaches the main container as MEDIA_BUCKET_NAME, which the deployment settings read; the manifests set neither it nor an S3 endpoint", () => {
    const bucket = 'demo-dev-mediabucket-1q2w3e4r5t6y';
    expect(addonVariables(serviceAddon, { App: 'demo', Env: 'dev', Name: 'django' }, environmentExports(environmentAddon, bucket))).toEqual({ MEDIA_BUCKET_NAME: bucket });
    expect(readText(folder, SETTINGS)).toContain('os.environ.get("MEDIA_BUCKET_NAME"');
    for (const manifest of ['copilot/django/manifest.yml', 'copilot/environments/dev/manifest.yml', 'copilot/environments/prod/manifest.yml']) {
      expect(readText(folder, manifest)).not.toMatch(/MEDIA_BUCKET_NAME|AWS_S3_ENDPOINT_URL/);
    }
  });
});

describe("Copilot's own code (test/data/copilot-media.json: node scripts/copilot-media.mjs regenerates it)", () => {
  test('the facts were recorded from the addons the generator writes today', () => {
    for (const variant of COPILOT.variants) {
      expect(variant.addonOutputs).toEqual({ environment: outputKinds(environmentAddon), service: outputKinds(serviceAddon) });
    }
  });

  test.each(COPILOT.variants.map((variant) => [variant.name, variant] as const))('%s: every environment and service stack renders', (_name, variant) => {
    expect(variant.checks).toEqual(['OK env dev', 'OK env prod', 'OK svc django @ dev', 'OK svc django @ prod']);
    expect(variant.environmentAddonResources).toEqual(expect.arrayContaining(Object.keys(environmentAddon.Resources)));
  });

  test.each(COPILOT.variants.map((variant) => [variant.name, variant] as const))('%s: the task role gets the policy, the main container MEDIA_BUCKET_NAME', (_name, variant) => {
    const policyOutputs = Object.entries(outputKinds(serviceAddon))
      .filter(([, kind]) => kind === 'AWS::IAM::ManagedPolicy')
      .map(([name]) => name);
    expect(policyOutputs).toHaveLength(1);
    for (const service of Object.values(variant.services)) {
      expect(service.taskRolePolicies).toEqual(expect.arrayContaining(policyOutputs));
      expect(service.variablesFromAddonOutputs.main.MEDIA_BUCKET_NAME).toBe('MediaBucketName');
    }
  });

  test('a workload addon Copilot wrote (`copilot storage init -l workload`) declares the same parameters, which Copilot requires to merge the two', () => {
    const theirs = COPILOT.variants.find((variant) => variant.files)!;
    const [template] = Object.values(theirs.files!);
    expect(parseTemplate(template).Parameters).toEqual(serviceAddon.Parameters);
  });
});

describe('requirements', () => {
  test("a new project gets django-storages' S3 extra and boto3 only with --media s3", () => {
    expect(newProjectRequirements({ media: true })).toEqual(expect.arrayContaining([VERSIONS.djangoStorages.requirement, VERSIONS.boto3.requirement]));
    expect(newProjectRequirements({})).not.toEqual(expect.arrayContaining([VERSIONS.djangoStorages.requirement]));
    expect(readText(folder, 'app/requirements.txt').split('\n')).toEqual(expect.arrayContaining([VERSIONS.djangoStorages.requirement, VERSIONS.boto3.requirement]));
  });

  test("a team's requirements get what they lack, their own pins kept", () => {
    expect(missingRequirements('Django==4.2.11\ngunicorn\npsycopg2\n', '4.2', { media: true })).toEqual([VERSIONS.djangoStorages.requirement, VERSIONS.boto3.requirement]);
    expect(missingRequirements('Django==4.2.11\ngunicorn\npsycopg2\ndjango-storages==1.13.2\nboto3==1.26.0\n', '4.2', { media: true })).toEqual([]);
    expect(missingRequirements('Django==4.2.11\ngunicorn\npsycopg2\n', '4.2', {})).toEqual([]);
  });
});

describe('re-runs', () => {
  test('turning media off is refused without --remove-media, naming the addons; with it the addons go', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, media: 's3' });
    await expect(runApp({ yes: true, media: 'none' }, { cwd })).rejects.toThrow(/--media none .*copilot\/environments\/addons\/media\.yml.*copilot\/django\/addons\/media\.yml.*--remove-media/s);
    expect(existsSync(join(cwd, ENVIRONMENT_ADDON))).toBe(true);
    expect(existsSync(join(cwd, SERVICE_ADDON))).toBe(true);
    await runApp({ yes: true, media: 'none', 'remove-media': true }, { cwd });
    expect(existsSync(join(cwd, ENVIRONMENT_ADDON))).toBe(false);
    expect(existsSync(join(cwd, SERVICE_ADDON))).toBe(false);
    expect(existsSync(join(cwd, 'copilot/environments/addons/db.yml'))).toBe(true);
  }, 60_000);

  test('a re-run adds media to a project generated without it', async () => {
    const cwd = await generateProject();
    expect(existsSync(join(cwd, ENVIRONMENT_ADDON))).toBe(false);
    await runApp({ yes: true, media: 's3' }, { cwd });
    expect(templateErrors(parseTemplate(readText(cwd, ENVIRONMENT_ADDON)))).toEqual([]);
    expect(readYaml(cwd, '.yo-rc.json')['generator-copilot-django'].media).toBe('s3');
  }, 60_000);
});

const describeDjango = describeWith(['django', 'storages']);

describeDjango('the deployment settings, on Debian\'s Django and django-storages', () => {
  /** The project rendered for the demo answers with --media s3; the Django folder. */
  function renderProject(edit?: (settings: string) => string): string {
    const root = temporaryFolder('media-settings-');
    for (const file of renderFiles(planContext({ ...DEMO_ANSWERS, media: 's3' }, { ...NO_STATE, environmentDatabase: true }))) {
      mkdirSync(dirname(join(root, file.destination)), { recursive: true });
      writeFileSync(join(root, file.destination), file.contents);
    }
    const settings = join(root, 'app/config/settings.py');
    if (edit) writeFileSync(settings, edit(readFileSync(settings, 'utf8')));
    return join(root, 'app');
  }

  /** The default storage as Django builds it, and MEDIA_ROOT, in the task's environment plus `extra`. */
  function storage(project: string, extra: Record<string, string>) {
    const script = [
      'import django, json',
      'django.setup()',
      'from django.conf import settings',
      'from django.core.files.storage import storages',
      's = storages["default"]',
      'options = {k: getattr(s, k, None) for k in ("bucket_name", "querystring_auth", "querystring_expire", "default_acl", "file_overwrite", "region_name", "endpoint_url", "signature_version", "access_key", "secret_key")}',
      'print(json.dumps({"class": type(s).__module__ + "." + type(s).__name__, "options": options, "media_root": str(settings.MEDIA_ROOT), "backend": settings.STORAGES["default"]["BACKEND"]}))',
    ].join('\n');
    const env = {
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      PYTHONDONTWRITEBYTECODE: '1',
      DJANGO_SETTINGS_MODULE: 'copilot_deploy.settings',
      COPILOT_ENVIRONMENT_NAME: 'dev',
      COPILOT_APPLICATION_NAME: 'demo',
      COPILOT_SERVICE_NAME: 'django',
      DJANGO_SECRET_KEY: 'q8Vt3mZk1Lx7Rw4Np0Bc6Hs2Jd9Fg5Ya8Ue3Oi7Kl1Mn4Pq6Zr',
      DB_SECRET: JSON.stringify({ host: 'db.internal', port: 5432, dbname: 'demo', username: 'demo', password: 'secret' }),
      DJANGO_STATIC_ROOT: '/srv/static',
      AWS_REGION: 'eu-west-1',
      ...extra,
    };
    const result = spawnSync(PYTHON, ['-c', script], { cwd: project, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout) as { class: string; options: Record<string, unknown>; media_root: string; backend: string };
  }

  test("with the bucket: django-storages' S3 backend, signed URLs, no ACL, no overwrite, the task's region, no key of its own", () => {
    const found = storage(renderProject(), { MEDIA_BUCKET_NAME: 'demo-dev-mediabucket-1q2w3e4r5t6y' });
    expect(found.class).toBe('storages.backends.s3boto3.S3Boto3Storage');
    expect(found.options).toEqual({
      bucket_name: 'demo-dev-mediabucket-1q2w3e4r5t6y',
      querystring_auth: true,
      querystring_expire: 3600,
      default_acl: null,
      file_overwrite: false,
      region_name: 'eu-west-1',
      endpoint_url: null,
      signature_version: 's3v4',
      access_key: null,
      secret_key: null,
    });
  });

  test('without it: files on disk, in the folder the image gives the app user (DJANGO_MEDIA_ROOT)', () => {
    const found = storage(renderProject(), { DJANGO_MEDIA_ROOT: '/srv/media' });
    expect(found.class).toBe('django.core.files.storage.filesystem.FileSystemStorage');
    expect(found.media_root).toBe('/srv/media');
    const dockerfile = readText(folder, 'app/Dockerfile');
    expect(dockerfile).toMatch(/DJANGO_MEDIA_ROOT=\/srv\/media/);
    expect(dockerfile).toMatch(/chown django:django .*\/srv\/media/);
    expect(readYaml(folder, 'docker-compose.yml').services.django.volumes).toContain('media:/srv/media');
  });

  test("a team's own default storage that is not on disk stays theirs, bucket or not", () => {
    const theirs = (settings: string) => `${settings}\nSTORAGES = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}\n`;
    expect(storage(renderProject(theirs), { MEDIA_BUCKET_NAME: 'demo-dev-mediabucket-1q2w3e4r5t6y' }).backend).toBe('django.core.files.storage.InMemoryStorage');
  });
});

/** A Django app of the team's: a model with a file, in the admin. */
const TEST_APP: Record<string, string> = {
  'uploads/__init__.py': '',
  'uploads/apps.py': 'from django.apps import AppConfig\n\n\nclass UploadsConfig(AppConfig):\n    name = "uploads"\n    default_auto_field = "django.db.models.BigAutoField"\n',
  'uploads/models.py': 'from django.db import models\n\n\nclass Document(models.Model):\n    title = models.CharField(max_length=100)\n    file = models.FileField(upload_to="documents/")\n\n    def __str__(self):\n        return self.title\n',
  'uploads/admin.py': 'from django.contrib import admin\n\nfrom uploads.models import Document\n\nadmin.site.register(Document)\n',
  'uploads/migrations/__init__.py': '',
  'uploads/migrations/0001_initial.py': [
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    initial = True',
    '    dependencies = []',
    '    operations = [',
    '        migrations.CreateModel(',
    '            name="Document",',
    '            fields=[',
    '                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),',
    '                ("title", models.CharField(max_length=100)),',
    '                ("file", models.FileField(upload_to="documents/")),',
    '            ],',
    '        ),',
    '    ]',
    '',
  ].join('\n'),
};

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres', 'storages']);

describeTask('uploads in the simulated task: S3 on its network, the task role\'s credentials', () => {
  const BUCKET = 'demo-dev-mediabucket-1q2w3e4r5t6y';
  const CONTENT = `The quarterly report, ${Date.now()}.\n`;
  let simulation: Simulation;
  let s3: S3Server;
  let project: string;
  let deployment: Deployment;
  let database: Database;
  let volumes: Record<string, string>;
  let secrets: Record<string, string>;
  let task: Task;

  async function startTask(): Promise<Task> {
    const addon = parseTemplate(readText(project, SERVICE_ADDON));
    const variables = addonVariables(addon, { App: 'demo', Env: 'dev', Name: 'django' }, environmentExports(parseTemplate(readText(project, ENVIRONMENT_ADDON)), BUCKET));
    const started = await simulation.startTask(deployment, {
      database,
      volumes,
      secrets,
      // Copilot's variables from the addon's outputs, and the test's S3 endpoint; no drain on stop.
      variables: { django: { ...variables, AWS_S3_ENDPOINT_URL: s3.endpoint, DRAIN_SECONDS: '0' }, nginx: { DRAIN_SECONDS: '0' } },
      credentialsRelativeUri: await s3.serveCredentials(simulation.metadata),
    });
    await started.waitHealthy();
    return started;
  }

  async function loggedIn(): Promise<Browser> {
    const browser = new Browser(task, 'https', 'django.dev.demo.example.com');
    const page = await browser.get('/admin/login/?next=/admin/');
    const login = await browser.post(
      '/admin/login/?next=/admin/',
      { csrfmiddlewaretoken: csrfToken(page.body.toString()), username: secrets.DJANGO_SUPERUSER_USERNAME, password: secrets.DJANGO_SUPERUSER_PASSWORD, next: '/admin/' },
      '/admin/login/?next=/admin/',
    );
    expect(login.status).toBe(302);
    return browser;
  }

  /** The file's link on the document's admin page ("Currently: <a href=…>"), as the browser follows it. */
  async function fileUrl(browser: Browser): Promise<URL> {
    const list = await browser.get('/admin/uploads/document/');
    expect(list.status).toBe(200);
    const change = /href="(\/admin\/uploads\/document\/\d+\/change\/)"/.exec(list.body.toString())?.[1];
    expect(change).toBeDefined();
    const page = (await browser.get(change!)).body.toString();
    const href = /Currently: <a href="([^"]+)"/.exec(page)?.[1];
    if (!href) throw new Error(`no file link on the change page:\n${page.slice(0, 3000)}`);
    return new URL(href.replace(/&amp;/g, '&'));
  }

  /** A browser outside the VPC's tasks downloading `url` straight from S3. */
  const download = (url: URL): Promise<HttpResponse> => simulation.vpc.request({ ip: url.hostname, port: Number(url.port), path: `${url.pathname}${url.search}` });

  beforeAll(async () => {
    simulation = await Simulation.start();
    s3 = await S3Server.start(simulation.vpc, simulation.scratch, BUCKET);
    project = await generateProject({ ...DEMO_FLAGS, media: 's3' });
    for (const [path, content] of Object.entries(TEST_APP)) {
      mkdirSync(dirname(join(project, 'app', path)), { recursive: true });
      writeFileSync(join(project, 'app', path), content);
    }
    const settings = join(project, 'app/config/settings.py');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('    "django.contrib.staticfiles",\n', '    "django.contrib.staticfiles",\n    "uploads",\n'));
    deployment = await simulation.deploy(project, 'dev');
    database = await simulation.createDatabase();
    volumes = simulation.createVolumes(deployment.definition);
    secrets = secretsFor(deployment.definition);
    task = await startTask();
  }, 180_000);

  afterAll(async () => {
    await task?.stop();
    await simulation?.teardown();
  });

  test('an upload through the admin lands in the bucket, signed with the task role\'s credentials, with no ACL', async () => {
    const browser = await loggedIn();
    const form = await browser.get('/admin/uploads/document/add/');
    expect(form.status).toBe(200);
    const saved = await browser.postMultipart(
      '/admin/uploads/document/add/',
      { csrfmiddlewaretoken: csrfToken(form.body.toString()), title: 'Quarterly report', _save: 'Save' },
      { file: { name: 'report.txt', content: CONTENT } },
      '/admin/uploads/document/add/',
    );
    expect(saved.status).toBe(302);
    expect(header(saved, 'location')).toBe('/admin/uploads/document/');
    const puts = s3.requests().filter((line) => line.startsWith(`PUT /${BUCKET}/documents/report`));
    expect(puts).toEqual([expect.stringMatching(/ auth=header acl=- 200$/)]);
    // Nothing reached the bucket unsigned or with other credentials: the server refuses both (403).
    expect(s3.requests().filter((line) => / 403$/.test(line))).toEqual([]);
  });

  test('the page links the file through a signed, expiring URL that S3 answers; unsigned or tampered, it refuses', async () => {
    const url = await fileUrl(await loggedIn());
    expect(url.origin).toBe(s3.endpoint);
    expect(url.pathname).toMatch(new RegExp(`^/${BUCKET}/documents/report[^/]*\\.txt$`));
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${s3.credentials.AccessKeyId}/\\d{8}/us-east-1/s3/aws4_request$`));
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(s3.credentials.Token);

    const downloaded = await download(url);
    expect(downloaded.status).toBe(200);
    expect(downloaded.body.toString()).toBe(CONTENT);
    const unsigned = await download(new URL(`${url.origin}${url.pathname}`));
    expect(unsigned.status).toBe(403);
    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Expires', '604800');
    expect((await download(tampered)).status).toBe(403);
  });

  test('manage.py check --deploy --fail-level WARNING is clean with media on S3', async () => {
    const check = await task.exec('django', ['python', 'manage.py', 'check', '--deploy', '--fail-level', 'WARNING']);
    expect(`${check.stdout}${check.stderr}`).toContain('System check identified no issues');
    expect(check.code).toBe(0);
  });

  test('a replaced task lists the file and serves it through a new signed URL', async () => {
    await task.stop();
    task = await startTask();
    const browser = await loggedIn();
    const list = (await browser.get('/admin/uploads/document/')).body.toString();
    expect(list).toContain('Quarterly report');
    const url = await fileUrl(browser);
    const downloaded = await download(url);
    expect(downloaded.status).toBe(200);
    expect(downloaded.body.toString()).toBe(CONTENT);
  }, 120_000);
});
