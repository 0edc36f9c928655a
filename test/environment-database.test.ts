/**
 * The database belongs to the environment: copilot/environments/addons/db.yml, checked against CloudFormation's
 * resource schemas, read by the service manifest the Copilot way, kept and extended by re-runs, and not added
 * where the service stack already holds a database.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkManifest } from './support/copilot-schema.js';
import { parseTemplate, resourceSpecs, templateErrors } from './support/cloudformation.js';
import { DEMO_FLAGS, ROOT, generateProject, readText, readYaml, runApp, runCli, temporaryFolder } from './support/generate.js';

const ADDON = 'copilot/environments/addons/db.yml';
const PARAMETERS = 'copilot/environments/addons/addons.parameters.yml';
const SERVICE = 'copilot/django/manifest.yml';

/** What `copilot storage init -t Aurora -l workload` writes into the workspace (its Aurora template, shortened). */
const WORKLOAD_ADDON = `Parameters:
  App:
    Type: String
Resources:
  dbDBCluster:
    Type: 'AWS::RDS::DBCluster'
    Properties:
      Engine: 'aurora-postgresql'
  dbSecretAuroraClusterAttachment:
    Type: AWS::SecretsManager::SecretTargetAttachment
    Properties:
      TargetType: AWS::RDS::DBCluster
`;

let folder: string;
let addon: Record<string, any>;

beforeAll(async () => {
  resourceSpecs();
  folder = await generateProject();
  addon = parseTemplate(readText(folder, ADDON));
});

describe('the environment addon', () => {
  test('is valid CloudFormation: every resource type, property, shape, required property and reference', () => {
    expect(templateErrors(addon)).toEqual([]);
  });

  test('the check refuses a misspelt property, an unknown type, a missing required property and a dangling reference', () => {
    const broken = parseTemplate(
      readText(folder, ADDON)
        .replace('StorageEncrypted:', 'StorageEncryptd:')
        .replace('Type: AWS::RDS::DBSubnetGroup', 'Type: AWS::RDS::DBSubnetGrop')
        .replace('TargetType: AWS::RDS::DBCluster', '')
        .replace('!Ref DBClusterSecurityGroup\n', '!Ref DBClusterSecurityGrup\n'),
    );
    const errors = templateErrors(broken);
    expect(errors).toEqual(
      expect.arrayContaining([
        'Resources.DBCluster.Properties.StorageEncryptd: AWS::RDS::DBCluster has no property StorageEncryptd',
        'Resources.DBSubnetGroup.Type: "AWS::RDS::DBSubnetGrop" is not a CloudFormation resource type',
        'Resources.DBSecretAttachment.Properties: AWS::SecretsManager::SecretTargetAttachment requires TargetType',
        'Resources.DBClusterIngressFromWorkload.Properties.GroupId: Ref to "DBClusterSecurityGrup", which is neither a parameter nor a resource',
      ]),
    );
    const wrongShape = structuredClone(addon);
    wrongShape.Resources.DBCluster.Properties.VpcSecurityGroupIds = 'sg-1';
    expect(templateErrors(wrongShape)).toEqual(['Resources.DBCluster.Properties.VpcSecurityGroupIds: "sg-1" is not array of string']);
  });

  test("the secret holds every key database.py reads, dbname included, with a password of letters and digits", () => {
    const databasePy = readFileSync(join(ROOT, 'templates/__django__/copilot_deploy/database.py'), 'utf8');
    const read = [...databasePy.matchAll(/secret\["(\w+)"\]/g)].map(([, key]) => key);
    expect(read.sort()).toEqual(['dbname', 'host', 'password', 'port', 'username']);
    const generate = addon.Resources.DBSecret.Properties.GenerateSecretString;
    const template = JSON.parse(String(generate.SecretStringTemplate['Fn::Sub']).replace('${DBName}', addon.Parameters.DBName.Default));
    expect(template).toEqual({ username: 'postgres', dbname: 'demo' });
    expect(generate.ExcludePunctuation).toBe(true);
    expect(generate.IncludeSpace).toBe(false);
    // The attachment to a DB cluster adds these (AWS::SecretsManager::SecretTargetAttachment).
    const attachment = Object.values(addon.Resources as Record<string, any>).find((resource) => resource.Type === 'AWS::SecretsManager::SecretTargetAttachment');
    expect(attachment.Properties).toEqual({ SecretId: { Ref: 'DBSecret' }, TargetId: { Ref: 'DBCluster' }, TargetType: 'AWS::RDS::DBCluster' });
    const keys = new Set([...Object.keys(template), generate.GenerateStringKey, 'host', 'port', 'engine', 'dbClusterIdentifier']);
    for (const key of read) expect(keys).toContain(key);
    expect(addon.Resources.DBCluster.Properties.DatabaseName).toEqual({ 'Fn::If': ['DBFromSnapshot', { Ref: 'AWS::NoValue' }, { Ref: 'DBName' }] });
  });

  test('a major version only, kept current; snapshots on delete and replace; the secret retained; encrypted; private', () => {
    const cluster = addon.Resources.DBCluster;
    expect(cluster.Properties.Engine).toBe('aurora-postgresql');
    expect(cluster.Properties.EngineVersion).toMatch(/^\d+$/);
    expect(addon.Resources.DBWriterInstance.Properties).toMatchObject({ DBInstanceClass: 'db.serverless', PubliclyAccessible: false, AutoMinorVersionUpgrade: true });
    expect([cluster.DeletionPolicy, cluster.UpdateReplacePolicy]).toEqual(['Snapshot', 'Snapshot']);
    expect([addon.Resources.DBSecret.DeletionPolicy, addon.Resources.DBSecret.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(cluster.Properties.StorageEncrypted).toEqual({ 'Fn::If': ['DBFromSnapshot', { Ref: 'AWS::NoValue' }, true] });
  });

  test('the cluster admits PostgreSQL from the service\'s security group only', () => {
    const ingresses = Object.values(addon.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::EC2::SecurityGroupIngress');
    expect(ingresses.map((ingress) => ingress.Properties)).toEqual([
      expect.objectContaining({ GroupId: { Ref: 'DBClusterSecurityGroup' }, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { Ref: 'DBWorkloadSecurityGroup' } }),
    ]);
    for (const group of ['DBClusterSecurityGroup', 'DBWorkloadSecurityGroup']) expect(addon.Resources[group].Properties.SecurityGroupIngress).toBeUndefined();
    expect(addon.Resources.DBCluster.Properties.VpcSecurityGroupIds).toEqual([{ Ref: 'DBClusterSecurityGroup' }]);
  });

  test('outside production the database pauses when idle; production environments never pause', () => {
    expect(addon.Mappings.DBScaling).toEqual({ dev: { MinCapacity: 0, MaxCapacity: 4 }, prod: { MinCapacity: 0.5, MaxCapacity: 8 } });
    expect(addon.Conditions.DBPausesWhenIdle).toEqual({ 'Fn::Equals': [{ 'Fn::FindInMap': ['DBScaling', { Ref: 'Env' }, 'MinCapacity'] }, 0] });
    const scaling = addon.Resources.DBCluster.Properties.ServerlessV2ScalingConfiguration;
    expect(scaling.MinCapacity).toEqual({ 'Fn::FindInMap': ['DBScaling', { Ref: 'Env' }, 'MinCapacity'] });
    // RDS refuses SecondsUntilAutoPause unless the minimum is 0.
    expect(scaling.SecondsUntilAutoPause).toEqual({ 'Fn::If': ['DBPausesWhenIdle', expect.any(Number), { Ref: 'AWS::NoValue' }] });
    expect(addon.Mappings.DBRestore).toEqual({ dev: { SnapshotIdentifier: 'none' }, prod: { SnapshotIdentifier: 'none' } });
  });

  test("its parameters come from the environment stack's VPC and private subnets", () => {
    const text = readText(folder, PARAMETERS);
    expect(text).toContain('VPCID: !Ref VPC');
    expect(text).toContain('PrivateSubnets: !Join [ ",", [ !Ref PrivateSubnet1, !Ref PrivateSubnet2 ] ]');
    expect(Object.keys(parseTemplate(text).Parameters).sort()).toEqual(Object.keys(addon.Parameters).filter((name) => !['App', 'Env', 'DBName'].includes(name)).sort());
  });
});

describe('the service reads it', () => {
  test('DB_SECRET and the security group from the exports the addon declares, beside network.connect', () => {
    const manifest = readYaml(folder, SERVICE);
    const exported = Object.values(addon.Outputs as Record<string, any>).map((output) => String(output.Export.Name['Fn::Sub']).replace('${App}-${Env}-', ''));
    const imported = (value: string) => value.replace('${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}-', '');
    expect(manifest.secrets.DB_SECRET.from_cfn).toMatch(/^\$\{COPILOT_APPLICATION_NAME\}-\$\{COPILOT_ENVIRONMENT_NAME\}-/);
    expect(exported).toContain(imported(manifest.secrets.DB_SECRET.from_cfn));
    expect(manifest.network.vpc.security_groups).toHaveLength(1);
    expect(exported).toContain(imported(manifest.network.vpc.security_groups[0].from_cfn));
    const secretOutput = Object.values(addon.Outputs as Record<string, any>).find((output) => output.Export.Name['Fn::Sub'].endsWith(imported(manifest.secrets.DB_SECRET.from_cfn)));
    expect(secretOutput.Value).toEqual({ Ref: 'DBSecret' });
    expect(typeof manifest.network.connect).toBe('boolean');
    expect(checkManifest('service', manifest)).toEqual([]);
  });
});

describe('re-runs', () => {
  test('an environment added by a re-run gets its capacity and restore entries; edits to the addon stay', async () => {
    const cwd = await generateProject();
    const edited = readText(cwd, ADDON).replace('      MaxCapacity: 4\n', '      # more for the load tests\n      MaxCapacity: 6\n');
    writeFileSync(join(cwd, ADDON), edited);
    await runApp({ yes: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd });
    const text = readText(cwd, ADDON);
    const merged = parseTemplate(text);
    expect(merged.Mappings.DBScaling).toEqual({ dev: { MinCapacity: 0, MaxCapacity: 6 }, prod: { MinCapacity: 0.5, MaxCapacity: 8 }, staging: { MinCapacity: 0, MaxCapacity: 4 } });
    expect(merged.Mappings.DBRestore.staging).toEqual({ SnapshotIdentifier: 'none' });
    expect(text).toContain('# more for the load tests');
    expect(templateErrors(merged)).toEqual([]);
  });

  test('a project generated before the environment database gets it, and the service keys, on a re-run', async () => {
    const cwd = await generateProject();
    // As the generator wrote it then: no addon, no DB keys in the manifest, no record of them in .yo-rc.json.
    const manifest = readText(cwd, SERVICE);
    const before = manifest.replace(/\n {2}# The environment's database[^\n]*\n {2}vpc:\n {4}security_groups:\n {6}- from_cfn: [^\n]*/, '').replace(/\n {2}# The environment's database credentials[^\n]*\n {2}DB_SECRET:\n {4}from_cfn: [^\n]*/, '');
    expect(parse(before).secrets.DB_SECRET).toBeUndefined();
    writeFileSync(join(cwd, SERVICE), before);
    const record = JSON.parse(readText(cwd, '.yo-rc.json'));
    delete record['generator-copilot-django'].environmentDatabase;
    writeFileSync(join(cwd, '.yo-rc.json'), JSON.stringify(record));
    rmSync(join(cwd, 'copilot/environments/addons'), { recursive: true });
    await runApp({ yes: true }, { cwd });
    expect(templateErrors(parseTemplate(readText(cwd, ADDON)))).toEqual([]);
    expect(existsSync(join(cwd, PARAMETERS))).toBe(true);
    expect(readYaml(cwd, SERVICE).secrets.DB_SECRET.from_cfn).toContain('dbAuroraSecret');
    expect(readYaml(cwd, SERVICE).network.vpc.security_groups).toHaveLength(1);
  });

  test('a project whose service stack holds a database gets no environment database, and the run says how to move it', async () => {
    const cwd = temporaryFolder();
    mkdirSync(join(cwd, 'copilot/django/addons'), { recursive: true });
    writeFileSync(join(cwd, 'copilot/django/addons/db.yml'), WORKLOAD_ADDON);
    const first = await runApp({ yes: true, ...DEMO_FLAGS }, { cwd });
    for (const run of [first, await runApp({ yes: true }, { cwd })]) {
      expect(run.fs.exists(join(cwd, ADDON))).toBe(false);
      const manifest = readYaml(cwd, SERVICE);
      expect(manifest.secrets.DB_SECRET).toBeUndefined();
      expect(manifest.network.vpc).toBeUndefined();
    }
    expect(JSON.parse(readText(cwd, '.yo-rc.json'))['generator-copilot-django'].environmentDatabase).toBeUndefined();
    expect(readText(cwd, 'copilot/README.md')).toContain('The database is in the service\'s stack (`copilot/django/addons/`');
    // The shipped command (npm run build) says it at the end of every run.
    const rerun = await runCli(['--yes'], cwd);
    expect(rerun.code).toBe(0);
    const said = rerun.stdout + rerun.stderr;
    expect(said).toContain("The database stays in the django service's stack (copilot/django/addons/db.yml)");
    expect(said).toContain('Mappings.DBRestore');
  });
});
