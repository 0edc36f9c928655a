import { parse } from 'yaml';
import { checkManifest } from './support/copilot-schema.js';

/** A Django service as we generate it: nginx sidecar in front, static files on one managed EFS volume. */
const VALID_SERVICE = `
name: web
type: Load Balanced Web Service

http:
  path: '/'
  target_container: nginx
  healthcheck:
    path: /healthz/
    success_codes: '200'
    healthy_threshold: 2
    unhealthy_threshold: 3
    interval: 15s
    timeout: 5s
    grace_period: 60s
  deregistration_delay: 30s

image:
  build:
    dockerfile: Dockerfile
    context: .
    args:
      PYTHON_VERSION: '3.12'
  port: 8000
  healthcheck:
    command: ["CMD-SHELL", "python -c 'import urllib.request; urllib.request.urlopen(\\"http://localhost:8000/healthz/\\")'"]
    interval: 10s
    retries: 3
    timeout: 5s
    start_period: 30s

entrypoint: ["/app/entrypoint.sh"]
command: ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]

cpu: 512
memory: 1024
platform: linux/x86_64
count: 1
exec: true
network:
  connect: true

variables:
  DJANGO_SETTINGS_MODULE: config.settings.production
  STATIC_ROOT: /static
  GUNICORN_WORKERS: 3
secrets:
  DJANGO_SECRET_KEY: /copilot/myapp/dev/secrets/DJANGO_SECRET_KEY
  DB_SECRET:
    from_cfn: myapp-dev-dbSecret
  SENTRY_DSN:
    secretsmanager: myapp/sentry-dsn

storage:
  volumes:
    static:
      path: /static
      read_only: false
      efs:
        uid: 1000
        gid: 1000

sidecars:
  nginx:
    port: 80
    image:
      build:
        dockerfile: nginx/Dockerfile
        context: nginx
    essential: true
    variables:
      NGINX_PORT: 80
    mount_points:
      - source_volume: static
        path: /static
        read_only: true
    depends_on:
      web: start

deployment:
  rolling: default

environments:
  dev:
    deployment:
      rolling: recreate
  prod:
    cpu: 1024
    memory: 2048
    count:
      spot: 2
`;

const VALID_ENVIRONMENT = `
name: prod
type: Environment
network:
  vpc:
    flow_logs:
      retention: 14
http:
  public:
    certificates: [arn:aws:acm:ap-northeast-1:123456789012:certificate/0f6c4f5e-1234-4abc-9def-0123456789ab]
    ingress:
      source_ips: [203.0.113.0/24]
    ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
  private:
    ingress:
      vpc: true
observability:
  container_insights: true
cdn: false
`;

const VALID_PIPELINE = `
name: myapp-main
version: 1
source:
  provider: GitHub
  properties:
    branch: main
    repository: https://github.com/acme/myapp
    connection_name: myapp-github
build:
  image: aws/codebuild/amazonlinux2-x86_64-standard:5.0
  buildspec: copilot/pipelines/myapp-main/buildspec.yml
  additional_policy:
    PolicyDocument:
      Version: '2012-10-17'
      Statement:
        - Effect: Allow
          Action: ['ssm:GetParameters']
          Resource: '*'
stages:
  - name: prod
    requires_approval: true
    pre_deployments:
      check:
        buildspec: copilot/pipelines/myapp-main/check.yml
    test_commands:
      - curl -fsS https://web.prod.myapp.example.com/healthz/
`;

const load = (y: string): any => parse(y);

describe('checkManifest accepts valid manifests', () => {
  test('a full Django service manifest', () => {
    expect(checkManifest('service', load(VALID_SERVICE))).toEqual([]);
  });

  test('an environment manifest', () => {
    expect(checkManifest('environment', load(VALID_ENVIRONMENT))).toEqual([]);
  });

  test('a pipeline manifest', () => {
    expect(checkManifest('pipeline', load(VALID_PIPELINE))).toEqual([]);
  });

  test('the alternative forms v1.33 accepts', () => {
    const doc = load(VALID_SERVICE);
    doc.sidecars.nginx.image = 'public.ecr.aws/nginx/nginx:1.27';
    doc.entrypoint = '/app/entrypoint.sh';
    doc.exec = { enable: true };
    doc.network.connect = { alias: 'web' };
    doc.http.alias = ['web.example.com', 'www.example.com'];
    doc.http.healthcheck = '/healthz/';
    doc.environments.prod.count = { range: { min: 2, max: 6, spot_from: 3 }, cpu_percentage: 70 };
    doc.storage.volumes.static.efs = true;
    expect(checkManifest('service', doc)).toEqual([]);
  });

  test('http: false with an NLB', () => {
    const doc = load(VALID_SERVICE);
    doc.http = false;
    doc.nlb = { port: '443/tls', target_container: 'nginx' };
    expect(checkManifest('service', doc)).toEqual([]);
  });
});

describe('checkManifest rejects', () => {
  test('an unknown top-level key', () => {
    const doc = load(VALID_SERVICE);
    doc.helthcheck = '/';
    expect(checkManifest('service', doc)).toEqual(['helthcheck: unknown key']);
  });

  test('a typo deep inside a sidecar mount point', () => {
    const doc = load(VALID_SERVICE);
    doc.sidecars.nginx.mount_points[0].read_onyl = true;
    expect(checkManifest('service', doc)).toContain('sidecars.nginx.mount_points[0].read_onyl: unknown key');
  });

  test('the camelCase targetContainer under http', () => {
    const doc = load(VALID_SERVICE);
    delete doc.http.target_container;
    doc.http.targetContainer = 'nginx';
    const problems = checkManifest('service', doc);
    expect(problems.some((p) => p.startsWith('http.targetContainer:'))).toBe(true);
  });

  test('a misspelt http key', () => {
    const doc = load(VALID_SERVICE);
    doc.http.target_containr = 'nginx';
    expect(checkManifest('service', doc)).toContain('http.target_containr: unknown key');
  });

  test('require_approval (the docs typo) in a pipeline stage', () => {
    const doc = load(VALID_PIPELINE);
    delete doc.stages[0].requires_approval;
    doc.stages[0].require_approval = true;
    expect(checkManifest('pipeline', doc)).toEqual(['stages[0].require_approval: unknown key']);
  });

  test('source.provider: CodeStarConnection', () => {
    const doc = load(VALID_PIPELINE);
    doc.source.provider = 'CodeStarConnection';
    const problems = checkManifest('pipeline', doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^source\.provider: must be one of "GitHub", "CodeCommit", "Bitbucket"/);
  });

  test('count.spot as a string', () => {
    const doc = load(VALID_SERVICE);
    doc.count = { spot: '1' };
    expect(checkManifest('service', doc)).toEqual(['count.spot: expected integer, got string']);
  });

  test('an unknown key inside environments.prod.count', () => {
    const doc = load(VALID_SERVICE);
    doc.environments.prod.count = { spto: 2 };
    expect(checkManifest('service', doc)).toContain('environments.prod.count.spto: unknown key');
  });

  test('an unquoted numeric branch, and a missing pipeline version', () => {
    const doc = load(VALID_PIPELINE.replace('branch: main', 'branch: 1.0').replace('version: 1\n', ''));
    expect(checkManifest('pipeline', doc)).toEqual([
      'source.properties.branch: expected string, got integer',
      'version: required key missing',
    ]);
  });

  test('spot together with range, and spot on ARM', () => {
    const doc = load(VALID_SERVICE);
    doc.count = { spot: 1, range: '1-4', cpu_percentage: 50 };
    expect(checkManifest('service', doc).some((p) => p.startsWith('count.spot: mutually exclusive'))).toBe(true);
    const arm = load(VALID_SERVICE);
    arm.platform = 'linux/arm64';
    const problems = checkManifest('service', arm);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^environments\.prod \(merged with the base manifest\): count\.spot: 'Fargate Spot' is not supported/);
  });

  test('managed EFS uid/gid mixed with a BYO file system id', () => {
    const doc = load(VALID_SERVICE);
    doc.storage.volumes.static.efs.id = 'fs-12345678';
    expect(checkManifest('service', doc)).toContain(
      'storage.volumes.static.efs: "uid/gid" and "id/root_dir/auth" are mutually exclusive (uid/gid means Copilot-managed EFS)',
    );
  });

  test('a target_container sidecar without a port', () => {
    const doc = load(VALID_SERVICE);
    delete doc.sidecars.nginx.port;
    expect(checkManifest('service', doc)).toContain('http.target_container: target container "nginx" doesn\'t expose a port (set sidecars.nginx.port)');
  });

  test('a duration given as a number, and a key left empty', () => {
    const doc = load(VALID_SERVICE.replace('interval: 15s', 'interval: 15').replace('  rolling: default', '  rolling:'));
    expect(checkManifest('service', doc)).toEqual([
      'http.healthcheck.interval: expected duration string (e.g. "30s"), got integer',
      'deployment.rolling: expected one of "default", "recreate", got null',
    ]);
  });

  test('unknown keys in the environment manifest', () => {
    const doc = load(VALID_ENVIRONMENT);
    doc.http.public.ingress.source_ip = ['10.0.0.0/8'];
    doc.observability.containerInsights = true;
    expect(checkManifest('environment', doc)).toEqual([
      'http.public.ingress.source_ip: unknown key',
      'observability.containerInsights: unknown key',
    ]);
  });
});
