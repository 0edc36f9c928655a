/**
 * The environment's database, as copilot/environments/addons/db.yml has it: Aurora Serverless v2 PostgreSQL in the
 * isolated subnets, its credentials in a generated Secrets Manager secret that the task receives as DB_SECRET
 * (copilot_deploy/database.py reads its JSON keys host, port, dbname, username and password), a final snapshot
 * when the cluster is deleted or replaced.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Environment, Project } from './project';

/** Letters and digits only, as the Copilot addon's ExcludePunctuation: nothing to escape in a URL or a shell. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export interface DatabaseProps {
  vpc: ec2.IVpc;
  project: Project;
  environment: Environment;
}

export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  /** The secret with the cluster's host and port attached: what DB_SECRET holds. */
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, { vpc, project, environment }: DatabaseProps) {
    super(scope, id);
    const { min, max } = environment.databaseCapacity;
    // "dbname" is ours; "username" and "password" are generated; attaching the secret to the cluster adds host and port.
    const credentials = new rds.DatabaseSecret(this, 'Secret', { username: 'postgres', dbname: project.database.name, excludeCharacters: PUNCTUATION });
    // Retained when the stack goes, as Copilot's: a cluster restored from the final snapshot keeps this password.
    credentials.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      // A major version only: RDS takes that major's default minor version, so no retired minor breaks a deploy. Its
      // default minor versions pause when idle (Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and later).
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.of(project.database.engineMajorVersion, project.database.engineMajorVersion, { serverlessV2AutoPauseSupported: true }) }),
      credentials: rds.Credentials.fromSecret(credentials),
      defaultDatabaseName: project.database.name,
      port: project.database.port,
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true, publiclyAccessible: false }),
      serverlessV2MinCapacity: min,
      serverlessV2MaxCapacity: max,
      // RDS accepts a pause delay only with a minimum of 0; production never pauses.
      ...(min === 0 ? { serverlessV2AutoPauseDuration: Duration.minutes(30) } : {}),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      storageEncrypted: true,
      copyTagsToSnapshot: true,
      deletionProtection: environment.production,
      // Deleting the stack (or a change that replaces the cluster) leaves a final snapshot behind.
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.secret = this.cluster.secret!;

    Validations.of(this.cluster).acknowledge(...[
      { id: 'AwsSolutions-SMG4', reason: 'The task reads DB_SECRET once, when it starts: a rotated password would break every running task until it is replaced. Copilot\'s addon does not rotate either.' },
      { id: 'AwsSolutions-RDS6', reason: 'Django connects with the password of DB_SECRET (copilot_deploy/database.py); IAM tokens expire after 15 minutes and Django has no hook to renew them.' },
      { id: 'AwsSolutions-RDS11', reason: 'PostgreSQL\'s port, as Copilot\'s addon: the cluster is in isolated subnets and admits the service\'s security group only; another port hides nothing.' },
      { id: 'AwsSolutions-RDS14', reason: 'Backtrack exists for Aurora MySQL only; this is Aurora PostgreSQL.' },
      { id: 'AwsSolutions-RDS16', reason: 'PostgreSQL\'s logs stay in RDS (the console and `aws rds download-db-log-file-portion`), as with Copilot\'s addon; exporting them to CloudWatch Logs is a cost the team chooses.' },
      ...(environment.production ? [] : [{ id: 'AwsSolutions-RDS10', reason: 'Outside production the stack may be deleted at will; its final snapshot (removal policy SNAPSHOT) keeps the data.' }]),
    ]);
    Validations.of(credentials).acknowledge(...[
      { id: 'AwsSolutions-SMG4', reason: 'The task reads DB_SECRET once, when it starts: a rotated password would break every running task until it is replaced. Copilot\'s addon does not rotate either.' },
    ]);
  }
}
