/**
 * --target cdk with the day-two parts (--media s3, --worker celery, --jobs) and a database restored from a snapshot:
 * the CDK app synthesized offline as a user runs it, read against what Copilot's own code renders from the Copilot
 * manifests of the same project (test/data/copilot-job/, scripts/copilot-job.mjs) and against the manifests.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplate, resourceSpecs, resourcesOfType, templateErrors, type Resource } from './support/cloudformation.js';
import { synthesize, type Synthesis } from './support/cdk.js';
import { DEMO_FLAGS, generateProject, readText, readYaml, runApp } from './support/generate.js';
import { userRepository } from './support/existing-projects.js';
import { VERSIONS } from '../generators/shared/versions.js';

/** `template`'s resources of `type`, by logical ID. */
const resources = (template: Record<string, any>, type: string): Record<string, Resource> => Object.fromEntries(resourcesOfType(template, type));

/** The container named `name`, in whichever task definition of `template` holds it, with its task definition. */
function container(template: Record<string, any>, name: string): { container: Record<string, any>; taskDefinition: Resource; id: string } {
  for (const [id, taskDefinition] of Object.entries(resources(template, 'AWS::ECS::TaskDefinition'))) {
    const found = (taskDefinition.Properties.ContainerDefinitions as Array<Record<string, any>>).find((candidate) => candidate.Name === name);
    if (found) return { container: found, taskDefinition, id };
  }
  throw new Error(`no container ${name}`);
}

const variable = (definition: Record<string, any>, name: string) => (definition.Environment as Array<{ Name: string; Value: unknown }>).find((entry) => entry.Name === name)?.Value;
const secretNames = (definition: Record<string, any>) => (definition.Secrets as Array<{ Name: string }>).map((secret) => secret.Name).sort();

/** A CloudFormation value with every intrinsic function replaced by `@`: a state machine's definition as text. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(flatten).join(join[0]);
  return '@';
}

/** The security groups `group` admits, each with the ports it opens to it, as JSON. */
function admitted(template: Record<string, any>, group: unknown): Array<{ source: string; ports: string }> {
  return Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress'))
    .filter(({ Properties: ingress }) => JSON.stringify(ingress.GroupId) === JSON.stringify(group))
    .map(({ Properties: ingress }) => ({ source: JSON.stringify(ingress.SourceSecurityGroupId), ports: JSON.stringify([ingress.FromPort, ingress.ToPort]) }));
}

/** The security group of each ECS service of `template`, as JSON. */
const serviceGroups = (template: Record<string, any>) =>
  Object.values(resources(template, 'AWS::ECS::Service')).map((service) => JSON.stringify(service.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]));

const COPILOT_JOB = join(import.meta.dirname, 'data/copilot-job');
/** The Copilot environment's DB_SECRET (copilot/environments/addons/db.yml's DBSecret, kept when its stack goes). */
const COPILOT_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:DBSecret-AbCdEfGhIjKl-AbCdEf';

describe('media, the worker and the job, and a production database restored from a snapshot', () => {
  let project: string;
  let synthesis: Synthesis;
  const prod = () => synthesis.templates['demo-prod-cdk'];

  beforeAll(async () => {
    resourceSpecs();
    project = await generateProject({ ...DEMO_FLAGS, media: 's3', worker: 'celery', jobs: true, target: 'cdk' });
    const cdkJson = join(project, 'infra/cdk.json');
    const settings = JSON.parse(readFileSync(cdkJson, 'utf8'));
    // The guide's example, filled in as its steps say: the snapshot it names, the secret's ARN.
    const example = /```json\n(\s*"databaseRestore":[^\n]*)\n\s*```/.exec(readText(project, 'copilot/README.md'))![1];
    const restore = JSON.parse(`{${example.trim().replaceAll('<env>', 'prod').replace('arn:aws:secretsmanager:…', COPILOT_SECRET)}}`).databaseRestore;
    writeFileSync(cdkJson, JSON.stringify({ ...settings, context: { ...settings.context, databaseRestore: restore } }, null, 2));
    synthesis = await synthesize(project);
  });

  test('every resource of every stack is valid CloudFormation', () => {
    for (const [name, template] of Object.entries(synthesis.templates)) expect({ name, errors: templateErrors(template) }).toEqual({ name, errors: [] });
  });

  test('media: one private bucket, kept with the stack; every task of the Django image gets its name and its objects, nothing more', () => {
    const [[bucketId, bucket]] = Object.entries(resources(prod(), 'AWS::S3::Bucket'));
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const [policy] = Object.values(resources(prod(), 'AWS::S3::BucketPolicy'));
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]));

    const policies = Object.values(resources(prod(), 'AWS::IAM::Policy'));
    for (const name of ['django', 'django-worker', 'housekeeping']) {
      const { container: definition, taskDefinition } = container(prod(), name);
      expect({ name, bucket: variable(definition, 'MEDIA_BUCKET_NAME') }).toEqual({ name, bucket: { Ref: bucketId } });
      const role = taskDefinition.Properties.TaskRoleArn['Fn::GetAtt'][0];
      const statements = policies.filter((candidate) => JSON.stringify(candidate.Properties.Roles).includes(`"${role}"`)).flatMap((candidate) => candidate.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
      const onBucket = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('s3:')));
      expect({ name, onBucket }).toEqual({
        name,
        onBucket: [
          { Sid: 'MediaObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } },
          { Sid: 'MediaListing', Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
        ],
      });
    }
  });

  test("the worker: the Copilot manifest's command on the Django image, no port, no load balancer, the web service's count and Spot, 120 s to finish its tasks", () => {
    const manifest = readYaml(project, 'copilot/django-worker/manifest.yml');
    const { container: worker, id: workerTask } = container(prod(), 'django-worker');
    const { container: django } = container(prod(), 'django');
    expect(worker.Command).toEqual(String(manifest.command).split(' '));
    expect(worker.Image).toEqual(django.Image);
    expect(worker.PortMappings ?? []).toEqual([]);
    expect(worker.StopTimeout).toBe(120);
    expect(variable(worker, 'DJANGO_START_UP')).toBe(manifest.variables.DJANGO_START_UP);
    // The first superuser is the web service's start's to create; the worker gets the rest.
    expect(secretNames(worker)).toEqual(['DB_SECRET', 'DJANGO_SECRET_KEY']);
    const services = Object.values(resources(prod(), 'AWS::ECS::Service'));
    const workerService = services.find((service) => JSON.stringify(service.Properties.TaskDefinition).includes(workerTask))!;
    const webService = services.find((service) => service !== workerService)!;
    expect(workerService.Properties.LoadBalancers).toBeUndefined();
    expect(workerService.Properties.LaunchType).toBeUndefined();
    expect(workerService.Properties.CapacityProviderStrategy).toEqual(webService.Properties.CapacityProviderStrategy);
    expect(workerService.Properties.DesiredCount).toBe(manifest.environments.prod.count.range.max);
    expect(workerService.Properties.EnableExecuteCommand).toBe(false);
  });

  test('Redis: ElastiCache Serverless of the pinned major in the isolated subnets; its URL (TLS) in the web service, the worker and the job, whose security groups alone it admits', () => {
    const [[cacheId, cache]] = Object.entries(resources(prod(), 'AWS::ElastiCache::ServerlessCache'));
    expect(cache.Properties).toMatchObject({ Engine: 'redis', MajorEngineVersion: VERSIONS.redis.major });
    const isolated = Object.entries(resources(prod(), 'AWS::EC2::Subnet')).filter(([id]) => /private/i.test(id)).map(([id]) => ({ Ref: id }));
    expect(cache.Properties.SubnetIds).toEqual(isolated);
    const url = { 'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [cacheId, 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [cacheId, 'Endpoint.Port'] }, '/0']] };
    for (const name of ['django', 'django-worker', 'housekeeping']) expect({ name, url: variable(container(prod(), name).container, 'REDIS_URL') }).toEqual({ name, url });

    // Redis's two ports (the endpoint and the reader endpoint), to the two services and the job only.
    const rules = admitted(prod(), cache.Properties.SecurityGroupIds[0]);
    expect(rules.map((rule) => rule.ports)).toEqual(['[6379,6380]', '[6379,6380]', '[6379,6380]']);
    expect(rules.map((rule) => rule.source)).toEqual(expect.arrayContaining(serviceGroups(prod())));
  });

  test("the job: the Copilot job's schedule, command, size, retries and timeout, as Copilot's own code renders them, on the Django image and without the start-up steps", () => {
    const copilot = parseTemplate(readFileSync(join(COPILOT_JOB, 'new-project.prod.stack.yml'), 'utf8'));
    const { variants } = JSON.parse(readFileSync(join(COPILOT_JOB, 'index.json'), 'utf8')) as { variants: Array<{ variant: string; parameters: Record<string, Record<string, string>> }> };
    const copilotTask = copilot.Resources.TaskDefinition.Properties;
    const [copilotContainer] = copilotTask.ContainerDefinitions;
    const copilotMachine = JSON.parse(copilot.Resources.StateMachine.Properties.DefinitionString);

    const [rule] = Object.values(resources(prod(), 'AWS::Events::Rule'));
    expect(rule.Properties.ScheduleExpression).toBe(variants.find((variant) => variant.variant === 'new-project')!.parameters.prod.Schedule);
    expect(copilotTask.Cpu).toEqual({ Ref: 'TaskCPU' });
    const { container: job, taskDefinition } = container(prod(), 'housekeeping');
    expect([job.EntryPoint, job.Command]).toEqual([copilotContainer.EntryPoint, copilotContainer.Command]);
    const parameters = variants.find((variant) => variant.variant === 'new-project')!.parameters.prod;
    expect([taskDefinition.Properties.Cpu, taskDefinition.Properties.Memory]).toEqual([parameters.TaskCPU, parameters.TaskMemory]);
    expect(job.Image).toEqual(container(prod(), 'django').container.Image);
    expect(secretNames(job)).toEqual(['DB_SECRET', 'DJANGO_SECRET_KEY']);

    const [machine] = Object.values(resources(prod(), 'AWS::StepFunctions::StateMachine'));
    const definition = JSON.parse(flatten(machine.Properties.DefinitionString));
    expect(definition.TimeoutSeconds).toBe(copilotMachine.TimeoutSeconds);
    const [state] = Object.values(definition.States) as Array<Record<string, any>>;
    const [copilotState] = Object.values(copilotMachine.States) as Array<Record<string, any>>;
    expect(state.Resource).toMatch(/:states:::ecs:runTask\.sync$/);
    expect(state.Retry).toEqual(copilotState.Retry);
    expect(state.Parameters).toMatchObject({ LaunchType: 'FARGATE', NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } } });
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: Object.keys(resources(prod(), 'AWS::StepFunctions::StateMachine'))[0] });
  });

  test('the database admits the web service, the worker and the job', () => {
    const [[id, cluster]] = Object.entries(resources(prod(), 'AWS::RDS::DBCluster'));
    const rules = admitted(prod(), cluster.Properties.VpcSecurityGroupIds[0]);
    const port = { 'Fn::GetAtt': [id, 'Endpoint.Port'] };
    expect(rules.map((rule) => rule.ports)).toEqual(Array(3).fill(JSON.stringify([port, port])));
    expect(rules.map((rule) => rule.source)).toEqual(expect.arrayContaining(serviceGroups(prod())));
    // The third is the job's: the group its runs wear (the state machine's RunTask parameters).
    const [machine] = Object.values(resources(prod(), 'AWS::StepFunctions::StateMachine'));
    const third = rules.map((rule) => rule.source).find((source) => !serviceGroups(prod()).includes(source))!;
    expect(JSON.stringify(machine.Properties.DefinitionString)).toContain(JSON.parse(third)['Fn::GetAtt'][0]);
  });

  test("a snapshot in cdk.json creates that environment's database from it; DB_SECRET holds the Copilot secret's credentials, which the snapshot keeps; the other environment's database is a new one", () => {
    const [[id, restored]] = Object.entries(resources(prod(), 'AWS::RDS::DBCluster'));
    expect(restored.Properties.SnapshotIdentifier).toBe('demo-prod-to-cdk');
    // The snapshot's master user, password and databases: CloudFormation would leave a new password pending.
    for (const property of ['MasterUsername', 'MasterUserPassword', 'DatabaseName', 'StorageEncrypted']) expect({ property, value: restored.Properties[property] }).toEqual({ property, value: undefined });
    expect([restored.DeletionPolicy, restored.UpdateReplacePolicy]).toEqual(['Snapshot', 'Snapshot']);
    const [[secretId, secret]] = Object.entries(resources(prod(), 'AWS::SecretsManager::Secret'));
    expect(secret.DeletionPolicy).toBe('Retain');
    const fields = JSON.parse(flatten(secret.Properties.SecretString));
    // The keys copilot_deploy/database.py reads, each resolved from the Copilot environment's secret when the stack deploys.
    expect(fields).toEqual({
      username: `{{resolve:secretsmanager:${COPILOT_SECRET}:SecretString:username::}}`,
      password: `{{resolve:secretsmanager:${COPILOT_SECRET}:SecretString:password::}}`,
      dbname: `{{resolve:secretsmanager:${COPILOT_SECRET}:SecretString:dbname::}}`,
    });
    const [[attachmentId, attachment]] = Object.entries(resources(prod(), 'AWS::SecretsManager::SecretTargetAttachment'));
    expect(attachment.Properties).toEqual({ SecretId: { Ref: secretId }, TargetId: { Ref: id }, TargetType: 'AWS::RDS::DBCluster' });
    // DB_SECRET is that secret with the restored cluster's host and port attached.
    expect(container(prod(), 'django').container.Secrets).toEqual(expect.arrayContaining([{ Name: 'DB_SECRET', ValueFrom: { Ref: attachmentId } }]));
    expect(readText(project, 'copilot/environments/addons/db.yml')).toMatch(/DBSecret:\n\s+Type: AWS::SecretsManager::Secret\n\s+DeletionPolicy: Retain/);

    const [fresh] = Object.values(resources(synthesis.templates['demo-dev-cdk'], 'AWS::RDS::DBCluster'));
    expect(fresh.Properties.SnapshotIdentifier).toBeUndefined();
    expect(fresh.Properties).toMatchObject({ DatabaseName: 'demo', StorageEncrypted: true });
  });

  test('a restore for an environment the project does not have, without its secret, or from another region, is refused at synth', async () => {
    const cdkJson = join(project, 'infra/cdk.json');
    const settings = JSON.parse(readFileSync(cdkJson, 'utf8'));
    const write = (restore: unknown) => writeFileSync(cdkJson, JSON.stringify({ ...settings, context: { ...settings.context, databaseRestore: restore } }, null, 2));
    write({ production: { snapshot: 'demo-prod-final', secret: COPILOT_SECRET } });
    await expect(synthesize(project)).rejects.toThrow(/context databaseRestore \(cdk\.json\) names the environment "production", which this project does not have: its environments are dev, prod/);
    write({ prod: { snapshot: 'demo-prod-final' } });
    await expect(synthesize(project)).rejects.toThrow(/context databaseRestore \(cdk\.json\)\.prod is \{"snapshot":"demo-prod-final"\}: it must be \{ "<environment>": \{ "snapshot"/);
    write({ prod: { snapshot: 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:demo-prod-final', secret: COPILOT_SECRET } });
    await expect(synthesize(project)).rejects.toThrow(/databaseRestore \(cdk\.json\)\.prod\.snapshot "arn:aws:rds:eu-west-1:.*" is in eu-west-1, not us-east-1, the region the app deploys to/);
  });
});

test("an adopted project at the repository's root: the Django image's context, as CDK copies it, leaves out what the Dockerfile's ignore file leaves out, and keeps the Dockerfile", async () => {
  const root = userRepository('startproject');
  writeFileSync(join(root, '.env'), 'DJANGO_SECRET_KEY=not-for-the-image\n');
  mkdirSync(join(root, '.venv/lib'), { recursive: true });
  writeFileSync(join(root, '.venv/lib/site.py'), '');
  await runApp({ yes: true, app: 'mysite', allowHttp: true, branches: 'main:prod', target: 'cdk' }, { cwd: root });
  const dockerfile = 'copilot_deploy/Dockerfile';
  const ignored = readFileSync(join(root, `${dockerfile}.dockerignore`), 'utf8').split('\n');
  expect(ignored).toEqual(expect.arrayContaining(['.env', '.venv']));
  await synthesize(root);
  const stage = join(root, 'infra/cdk.out/assembly-mysite-prod');
  const [manifestFile] = readdirSync(stage).filter((name) => name.endsWith('.assets.json'));
  const assets = JSON.parse(readFileSync(join(stage, manifestFile), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; dockerFile?: string } }> };
  const django = Object.values(assets.dockerImages).find(({ source }) => source.dockerFile === dockerfile)!;
  const staged = join(stage, django.source.directory);
  expect({ env: existsSync(join(staged, '.env')), venv: existsSync(join(staged, '.venv')) }).toEqual({ env: false, venv: false });
  expect({ dockerfile: existsSync(join(staged, dockerfile)), ignoreFile: existsSync(join(staged, `${dockerfile}.dockerignore`)), managePy: existsSync(join(staged, 'manage.py')) }).toEqual({ dockerfile: true, ignoreFile: true, managePy: true });
});
