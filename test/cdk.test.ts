/**
 * --target cdk: the AWS CDK app in infra/, synthesized offline with `cdk synth` as a user runs it (cdk-nag's AWS
 * Solutions rules run inside it), then read: the task the Copilot manifests describe, every resource valid against
 * CloudFormation's resource schemas.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resourceSpecs, templateErrors } from './support/cloudformation.js';
import { synthesize, type Synthesis } from './support/cdk.js';
import { DEMO_FLAGS, ROOT, generateProject, listFiles, readText, readYaml, runApp, runCli, snapshot, temporaryFolder } from './support/generate.js';
import { runOrThrow } from './support/task/processes.js';
import { VERSIONS } from '../generators/shared/versions.js';

/** The one container definition of `template`'s task definition named `name`. */
function container(template: Template, name: string): Record<string, any> {
  const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Array<{ Properties: { ContainerDefinitions: Array<Record<string, any>> } }>;
  const found = definition.Properties.ContainerDefinitions.find((candidate) => candidate.Name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

function onlyResource(template: Template, type: string): Record<string, any> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as Record<string, any>;
}

interface PipelineAction {
  Name: string;
  ActionTypeId: { Category: string; Provider: string };
  Configuration?: Record<string, any>;
  RunOrder?: number;
}

/** The one CodePipeline of a pipeline stack, and its actions with the stage each is in. */
function pipelineOf(template: Record<string, any>): { properties: Record<string, any>; actions: Array<PipelineAction & { stage: string }> } {
  const properties = onlyResource(Template.fromJSON(template), 'AWS::CodePipeline::Pipeline').Properties;
  const actions = (properties.Stages as Array<{ Name: string; Actions: PipelineAction[] }>).flatMap((stage) => stage.Actions.map((action) => ({ ...action, stage: stage.Name })));
  return { properties, actions };
}

describe('a project with a domain, Fargate Spot and two environments', () => {
  let project: string;
  let synthesis: Synthesis;
  const stack = (name: string) => Template.fromJSON(synthesis.templates[name]);

  beforeAll(async () => {
    resourceSpecs();
    project = await generateProject({ ...DEMO_FLAGS, target: 'cdk' });
    synthesis = await synthesize(project);
  });

  test('writes one stack per environment, beside the Copilot files, and stores the answer', () => {
    expect(Object.keys(synthesis.templates).sort()).toEqual(['demo-dev-cdk', 'demo-develop-cdk-pipeline', 'demo-main-cdk-pipeline', 'demo-prod-cdk']);
    expect(listFiles(project)).toEqual(expect.arrayContaining(['copilot/django/manifest.yml', 'infra/cdk.json', 'infra/package.json', 'infra/bin/app.ts']));
    expect(JSON.parse(readText(project, '.yo-rc.json'))['generator-copilot-django'].target).toBe('cdk');
  });

  test('every synthesized resource is valid CloudFormation, the pipeline stacks\' too', () => {
    for (const [name, template] of Object.entries(synthesis.templates)) expect({ name, errors: templateErrors(template) }).toEqual({ name, errors: [] });
  });

  test('one V2 pipeline per branch, started by pushes to its branch only, through the Copilot pipelines\' connection', () => {
    const connectionArn = JSON.parse(readText(project, 'infra/cdk.json')).context.connectionArn;
    expect(connectionArn).toMatch(/^arn:aws:codestar-connections:us-east-1:123456789012:connection\//);
    expect(readText(project, 'copilot/pipelines/demo-main/manifest.yml')).toContain('connection_name: demo-github');
    expect(readText(project, 'copilot/README.md')).toContain('"demo-github"');
    for (const [branch, pipelineName] of [['develop', 'demo-develop-cdk'], ['main', 'demo-main-cdk']]) {
      const { properties, actions } = pipelineOf(synthesis.templates[`demo-${branch}-cdk-pipeline`]);
      expect(properties.Name).toBe(pipelineName);
      expect(properties.PipelineType).toBe('V2');
      const sources = actions.filter((action) => action.ActionTypeId.Category === 'Source');
      expect(sources).toHaveLength(1);
      expect(sources[0].ActionTypeId.Provider).toBe('CodeStarSourceConnection');
      expect(sources[0].Configuration).toMatchObject({ ConnectionArn: connectionArn, FullRepositoryId: 'example/demo', BranchName: branch });
      expect(properties.Triggers).toEqual([{ ProviderType: 'CodeStarSourceConnection', GitConfiguration: { SourceActionName: sources[0].Name, Push: [{ Branches: { Includes: [branch] } }] } }]);
    }
  });

  test('each pipeline deploys its environment\'s stack only, the template `cdk deploy` deploys, after building both images on the Copilot pipelines\' image; in production a person approves its change set', () => {
    for (const [branch, environment, production] of [['develop', 'dev', false], ['main', 'prod', true]] as const) {
      const json = synthesis.templates[`demo-${branch}-cdk-pipeline`];
      const { actions } = pipelineOf(json);
      const deploys = actions.filter((action) => action.ActionTypeId.Category === 'Deploy');
      expect(deploys.length).toBeGreaterThan(0);
      for (const deploy of deploys) expect({ provider: deploy.ActionTypeId.Provider, stack: deploy.Configuration!.StackName }).toEqual({ provider: 'CloudFormation', stack: `demo-${environment}-cdk` });
      // The change set is made of the very template `npx cdk deploy` deploys: the same names derived from construct
      // paths (the task definition's family, the logical IDs of the ingress rules from the load balancer to the service
      // and from the service to the database), so a stack moves between the two without replacing any of them.
      const templatePaths = [...new Set(deploys.map((deploy) => deploy.Configuration!.TemplatePath).filter(Boolean))];
      expect(templatePaths).toHaveLength(1);
      const staged = JSON.parse(readFileSync(join(project, 'infra/cdk.out', String(templatePaths[0]).replace(/^[^:]+::/, '')), 'utf8'));
      expect(staged).toEqual(synthesis.templates[`demo-${environment}-cdk`]);

      const approvals = actions.filter((action) => action.ActionTypeId.Category === 'Approval');
      expect(approvals).toHaveLength(production ? 1 : 0);
      // The approval sits between the change set's creation and its execution: what a person approves is that change set.
      const steps = deploys.map((deploy) => ({ mode: deploy.Configuration!.ActionMode, runOrder: deploy.RunOrder! }));
      expect(steps.map((step) => step.mode).sort()).toEqual(['CHANGE_SET_EXECUTE', 'CHANGE_SET_REPLACE']);
      if (production) {
        expect(approvals[0].stage).toBe(deploys[0].stage);
        const order = Object.fromEntries(steps.map((step) => [step.mode, step.runOrder]));
        expect(order.CHANGE_SET_REPLACE).toBeLessThan(approvals[0].RunOrder!);
        expect(approvals[0].RunOrder!).toBeLessThan(order.CHANGE_SET_EXECUTE);
      }

      const projects = Object.values(Template.fromJSON(json).findResources('AWS::CodeBuild::Project')).map((resource: any) => resource.Properties.Environment);
      for (const { Image } of projects) expect(Image).toBe(VERSIONS.codebuild.image);
      // Both images (Django and nginx) are built, by Docker, before the deployment.
      expect(projects.filter((environment) => environment.PrivilegedMode)).toHaveLength(2);
      const stages = actions.map((action) => action.stage);
      expect(stages.indexOf('Assets')).toBeLessThan(stages.indexOf(deploys[0].stage));
    }
  });

  test('the load balancer targets the nginx container on its port, with the manifest\'s health check and deregistration delay', () => {
    const manifest = readYaml(project, 'copilot/django/manifest.yml');
    const template = stack('demo-prod-cdk');
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: manifest.http.target_container, ContainerPort: manifest.http.target_port, TargetGroupArn: Match.anyValue() }],
      HealthCheckGracePeriodSeconds: parseInt(manifest.http.healthcheck.grace_period, 10),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: manifest.http.target_port,
      HealthCheckPath: manifest.http.healthcheck.path,
      Matcher: { HttpCode: manifest.http.healthcheck.success_codes },
      HealthyThresholdCount: manifest.http.healthcheck.healthy_threshold,
      UnhealthyThresholdCount: manifest.http.healthcheck.unhealthy_threshold,
      HealthCheckIntervalSeconds: parseInt(manifest.http.healthcheck.interval, 10),
      HealthCheckTimeoutSeconds: parseInt(manifest.http.healthcheck.timeout, 10),
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: String(parseInt(manifest.http.deregistration_delay, 10)) }]),
    });
  });

  test('Fargate Spot as the manifest has it: a capacity provider strategy, one on-demand task in production, never a launch type', () => {
    const manifest = readYaml(project, 'copilot/django/manifest.yml');
    for (const environment of ['dev', 'prod']) {
      const { range } = manifest.environments[environment].count;
      const service = onlyResource(stack(`demo-${environment}-cdk`), 'AWS::ECS::Service').Properties;
      expect(service.LaunchType).toBeUndefined();
      expect(service.DesiredCount).toBe(range.max);
      expect(service.CapacityProviderStrategy).toEqual([
        { CapacityProvider: 'FARGATE', Base: range.spot_from - 1, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ]);
    }
    stack('demo-prod-cdk').hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']) });
  });

  test('the static files: one EFS volume over TLS with IAM authorization and an access point owned by uid/gid 1000, read-write in Django, read-only in nginx', () => {
    const template = stack('demo-dev-cdk');
    const { Volumes: volumes } = onlyResource(template, 'AWS::ECS::TaskDefinition').Properties;
    expect(volumes).toEqual([
      {
        Name: 'static',
        EFSVolumeConfiguration: { FilesystemId: expect.anything(), TransitEncryption: 'ENABLED', AuthorizationConfig: { AccessPointId: expect.anything(), IAM: 'ENABLED' } },
      },
    ]);
    template.hasResourceProperties('AWS::EFS::AccessPoint', { PosixUser: { Uid: '1000', Gid: '1000' } });
    template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    expect(container(template, 'django').MountPoints).toEqual([{ SourceVolume: 'static', ContainerPath: '/srv/static', ReadOnly: false }]);
    expect(container(template, 'nginx').MountPoints).toEqual([{ SourceVolume: 'static', ContainerPath: '/srv/static', ReadOnly: true }]);
  });

  test("Django's secrets come from Copilot's SSM parameters and the database's secret as DB_SECRET; both containers get 120 s to stop", () => {
    const template = stack('demo-prod-cdk');
    const django = container(template, 'django');
    const secrets = Object.fromEntries((django.Secrets as Array<{ Name: string; ValueFrom: unknown }>).map((secret) => [secret.Name, JSON.stringify(secret.ValueFrom)]));
    expect(Object.keys(secrets).sort()).toEqual(['DB_SECRET', 'DJANGO_SECRET_KEY', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD', 'DJANGO_SUPERUSER_USERNAME']);
    expect(secrets.DJANGO_SECRET_KEY).toContain(':parameter/copilot/demo/prod/secrets/DJANGO_SECRET_KEY');
    expect(secrets.DB_SECRET).toMatch(/DatabaseSecretAttachment/);
    expect(container(template, 'django').StopTimeout).toBe(120);
    expect(container(template, 'nginx').StopTimeout).toBe(120);
    // What copilot_deploy reads to know it runs in the cloud and which host names it answers to.
    expect(django.Environment).toEqual(expect.arrayContaining([{ Name: 'COPILOT_ENVIRONMENT_NAME', Value: 'prod' }, { Name: 'DJANGO_ALLOWED_HOSTS', Value: 'django.prod.example.com' }]));
  });

  test('the database: Aurora Serverless v2 PostgreSQL of the pinned major, a secret with the keys copilot_deploy/database.py reads, a snapshot on delete', () => {
    const template = stack('demo-prod-cdk');
    const [name, cluster] = Object.entries(template.findResources('AWS::RDS::DBCluster'))[0] as [string, Record<string, any>];
    expect(cluster.DeletionPolicy).toBe('Snapshot');
    expect(cluster.UpdateReplacePolicy).toBe('Snapshot');
    expect(cluster.Properties).toMatchObject({ Engine: 'aurora-postgresql', EngineVersion: VERSIONS.postgresql.major, StorageEncrypted: true, DeletionProtection: true, ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 } });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: name } });
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    // The generated part: username, dbname and password; the attachment adds host and port.
    expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ username: 'postgres', dbname: 'demo' });
    expect(secret.Properties.GenerateSecretString.GenerateStringKey).toBe('password');
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', { TargetType: 'AWS::RDS::DBCluster', TargetId: { Ref: name } });
    const database = readFileSync(join(ROOT, 'templates/__django__/copilot_deploy/database.py'), 'utf8');
    for (const key of ['host', 'port', 'dbname', 'username', 'password']) expect(database).toContain(`secret["${key}"]`);
    // Outside production the database pauses when idle, as the Copilot addon's.
    stack('demo-dev-cdk').hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 1800 } });
  });

  test('HTTPS with a DNS-validated certificate for the environment\'s name in the hosted zone; HTTP redirects', () => {
    const template = stack('demo-dev-cdk');
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'django.dev.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: Match.anyValue() }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'django.dev.example.com.', Type: 'A' });
  });

  test("the images are built from the Copilot manifest's Dockerfiles and contexts", () => {
    // The stage's asset manifest, beside the stack's template in cdk.out/assembly-demo-dev/.
    const stage = join(project, 'infra/cdk.out/assembly-demo-dev');
    const [manifestFile] = readdirSync(stage).filter((name) => name.endsWith('.assets.json'));
    const assets = JSON.parse(readFileSync(join(stage, manifestFile), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; dockerFile?: string } }> };
    const staged = Object.values(assets.dockerImages).map(({ source }) => readFileSync(join(stage, source.directory, source.dockerFile ?? 'Dockerfile'), 'utf8'));
    const manifest = readYaml(project, 'copilot/django/manifest.yml');
    const dockerfiles = [manifest.image.build.dockerfile, manifest.sidecars.nginx.image.build.dockerfile].map((path: string) => readText(project, path));
    expect(staged.sort()).toEqual(dockerfiles.sort());
  });

  test('a cdk-nag finding no acknowledgement justifies fails the synth', async () => {
    const stackFile = join(project, 'infra/lib/environment-stack.ts');
    const source = readFileSync(stackFile, 'utf8');
    expect(source).toContain("id: 'AwsSolutions-VPC7'");
    writeFileSync(stackFile, source.replace(/\n\s*Validations\.of\(vpc\)\.acknowledge\([\s\S]*?\]\);/, ''));
    await expect(synthesize(project)).rejects.toThrow(/AwsSolutions-VPC7/);
  });
});

describe('a project without a domain, on regular Fargate, one production environment', () => {
  let synthesis: Synthesis;

  beforeAll(async () => {
    const project = await generateProject({ app: 'shop', service: 'web', branches: 'main:prod', allowHttp: true, spot: false, repository: '', target: 'cdk' });
    synthesis = await synthesize(project);
  });

  test('plain HTTP straight to nginx, no certificate, no record; a FARGATE strategy and no launch type; every resource valid; no repository, no pipeline', () => {
    expect(Object.keys(synthesis.templates)).toEqual(['shop-prod-cdk']);
    const json = synthesis.templates['shop-prod-cdk'];
    expect(templateErrors(json)).toEqual([]);
    const template = Template.fromJSON(json);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'forward' })] });
    const service = onlyResource(template, 'AWS::ECS::Service').Properties;
    expect(service.LaunchType).toBeUndefined();
    expect(service.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
    expect(service.DesiredCount).toBe(2);
    expect(service.LoadBalancers).toEqual([{ ContainerName: 'nginx', ContainerPort: 8080, TargetGroupArn: expect.anything() }]);
    const web = container(template, 'web');
    expect(web.Environment).toEqual(expect.arrayContaining([{ Name: 'DJANGO_HTTPS', Value: 'false' }]));
    expect(web.Secrets.map((secret: { Name: string }) => secret.Name)).toEqual(expect.arrayContaining(['DB_SECRET', 'DJANGO_SECRET_KEY']));
  });
});

describe('the target answer', () => {
  test('a re-run of a Copilot project with --target cdk adds infra/ and changes nothing else but the answers and the guide', async () => {
    const project = await generateProject();
    expect(listFiles(project).some((file) => file.startsWith('infra/'))).toBe(false);
    expect(JSON.parse(readText(project, '.yo-rc.json'))['generator-copilot-django'].target).toBe('copilot');
    const before = snapshot(project);
    await runApp({ yes: true, target: 'cdk' }, { cwd: project });
    const after = snapshot(project);
    const changed = Object.keys(after).filter((file) => after[file] !== before[file]);
    expect(changed.filter((file) => !file.startsWith('infra/')).sort()).toEqual(['.yo-rc.json', 'copilot/README.md']);
    expect(readText(project, 'copilot/README.md')).toContain('## The CDK app (infra/)');
    // The run says where the app is and how to check it, this once: the guide's section has the rest.
    const again = await runCli(['--yes'], project);
    expect(again.code).toBe(0);
    expect(again.stdout + again.stderr).not.toContain('The CDK app is in infra/');
    expect(changed).toEqual(expect.arrayContaining(['infra/cdk.json', 'infra/lib/project.ts']));
  });

  test('a target other than copilot or cdk is refused, naming the flag, the value and the choices', async () => {
    await expect(generateProject({ ...DEMO_FLAGS, target: 'terraform' })).rejects.toThrow(/--target "terraform" is refused: it must be one of copilot, cdk/);
  });

  test("a run that writes the CDK app says where it is, how to check it and where the guide tells the rest", async () => {
    const project = temporaryFolder();
    const result = await runCli(['--yes', '--app', 'shop', '--allow-http', '--branches', 'main:prod', '--target', 'cdk'], project);
    expect(result.code).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain("The CDK app is in infra/, the same task without Copilot: cd infra && npm ci && npx cdk synth '**' checks it offline.");
    expect(output).toContain('copilot/README.md, "The CDK app (infra/)"');
    expect(readText(project, 'copilot/README.md')).toContain('## The CDK app (infra/)');
  });

  test("`npm ci` installs the lockfile the generator writes, exactly the pins, and `cdk synth '**'` runs on what it installed", async () => {
    const project = await generateProject({ app: 'shop', service: 'web', branches: 'main:prod', allowHttp: true, spot: false, repository: '', target: 'cdk' });
    const infra = join(project, 'infra');
    const manifest = JSON.parse(readText(project, 'infra/package.json'));
    const lock = JSON.parse(readText(project, 'infra/package-lock.json'));
    expect(lock.packages['']).toEqual({ name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies });
    for (const [name, pin] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) expect({ name, locked: lock.packages[`node_modules/${name}`]?.version }).toEqual({ name, locked: pin });
    // npm ci refuses a lockfile that does not match package.json; the pipelines' synth step runs it too.
    await runOrThrow('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: infra, timeoutMs: 170_000 });
    expect(JSON.parse(readFileSync(join(infra, 'node_modules/aws-cdk-lib/package.json'), 'utf8')).version).toBe(VERSIONS.cdk.awsCdkLib);
    expect(Object.keys((await synthesize(project)).templates)).toEqual(['shop-prod-cdk']);
  }, 240_000);

  test("infra/package.json pins exactly what this repository's tests synthesize with", async () => {
    const project = await generateProject({ ...DEMO_FLAGS, target: 'cdk' });
    const infra = JSON.parse(readText(project, 'infra/package.json'));
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies;
    const pinned = { ...infra.dependencies, ...infra.devDependencies };
    for (const name of ['aws-cdk-lib', 'aws-cdk', 'constructs', 'cdk-nag']) expect({ name, version: pinned[name] }).toEqual({ name, version: root[name] });
    expect(pinned['aws-cdk-lib']).toBe(VERSIONS.cdk.awsCdkLib);
  });
});
