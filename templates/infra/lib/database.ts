/**
 * The environment's database, as copilot/environments/addons/db.yml has it: Aurora Serverless v2 PostgreSQL in the
 * isolated subnets, its credentials in a generated Secrets Manager secret that the task receives as DB_SECRET
 * (copilot_deploy/database.py reads its JSON keys host, port, dbname, username and password), a final snapshot
 * when the cluster is deleted or replaced.
 */
import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Environment, Project } from './project';

/** Letters and digits only, as the Copilot addon's ExcludePunctuation: nothing to escape in a URL or a shell. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * A cluster snapshot to create the cluster from, and the secret whose credentials it holds: the Copilot environment's
 * final snapshot and its DB_SECRET (copilot/environments/addons/db.yml keeps that secret when its stack goes). Both
 * stay in cdk.json for as long as the cluster lives: removing or changing the snapshot replaces the cluster (leaving
 * a final snapshot), as it would in CloudFormation.
 */
export interface DatabaseRestore {
  /** The snapshot's name, or its ARN when it is shared from another account. */
  snapshot: string;
  /** The ARN of the Secrets Manager secret with the snapshot's username, password and dbname. */
  secret: string;
}

export interface DatabaseProps {
  vpc: ec2.IVpc;
  project: Project;
  environment: Environment;
  /** The Copilot environment's database to restore (cdk.json's `databaseRestore.<environment>`), if any. */
  restore?: DatabaseRestore;
}

export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster | rds.DatabaseClusterFromSnapshot;
  /** The secret with the cluster's host and port attached: what DB_SECRET holds. */
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, { vpc, project, environment, restore }: DatabaseProps) {
    super(scope, id);
    const { min, max } = environment.databaseCapacity;
    const props = {
      // A major version only: RDS takes that major's default minor version, so no retired minor breaks a deploy. Its
      // default minor versions pause when idle (Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and later).
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.of(project.database.engineMajorVersion, project.database.engineMajorVersion, { serverlessV2AutoPauseSupported: true }) }),
      port: project.database.port,
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true, publiclyAccessible: false }),
      serverlessV2MinCapacity: min,
      serverlessV2MaxCapacity: max,
      // RDS accepts a pause delay only with a minimum of 0; production never pauses.
      ...(min === 0 ? { serverlessV2AutoPauseDuration: Duration.minutes(30) } : {}),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      copyTagsToSnapshot: true,
      deletionProtection: environment.production,
      // Deleting the stack (or a change that replaces the cluster) leaves a final snapshot behind.
      removalPolicy: RemovalPolicy.SNAPSHOT,
    };
    let credentials: secretsmanager.Secret;
    if (restore) {
      // The snapshot keeps its master user, password and databases, and its encryption. CloudFormation does not set a
      // new master password on a cluster it restores (it is left pending), so DB_SECRET is a new secret holding the
      // restored credentials: those of the Copilot environment's secret, resolved when the stack deploys.
      const copied = (field: string) => SecretValue.secretsManager(restore.secret, { jsonField: field });
      credentials = new secretsmanager.Secret(this, 'RestoredSecret', {
        description: `The ${environment.name} database's credentials, restored from ${restore.snapshot}`,
        secretObjectValue: { username: copied('username'), password: copied('password'), dbname: copied('dbname') },
      });
      this.cluster = new rds.DatabaseClusterFromSnapshot(this, 'Cluster', { ...props, snapshotIdentifier: restore.snapshot });
      Validations.of(this.cluster).acknowledge(...[
        { id: 'AwsSolutions-RDS2', reason: 'A cluster restored from a snapshot is encrypted as its snapshot is (CloudFormation takes no StorageEncrypted then); the Copilot environment\'s cluster, and so its snapshots, are encrypted.' },
      ]);
    } else {
      // "dbname" is ours; "username" and "password" are generated.
      credentials = new rds.DatabaseSecret(this, 'Secret', { username: 'postgres', dbname: project.database.name, excludeCharacters: PUNCTUATION });
      this.cluster = new rds.DatabaseCluster(this, 'Cluster', { ...props, credentials: rds.Credentials.fromSecret(credentials), defaultDatabaseName: project.database.name, storageEncrypted: true });
    }
    // Retained when the stack goes, as Copilot's: a cluster restored from the final snapshot keeps this password.
    credentials.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // Attaching the secret to the cluster adds its host and port.
    this.secret = restore ? credentials.attach(this.cluster) : this.cluster.secret!;

    Validations.of(this.cluster).acknowledge(...[
      { id: 'AwsSolutions-SMG4', reason: 'The task reads DB_SECRET once, when it starts: a rotated password would break every running task until it is replaced. Copilot\'s addon does not rotate either.' },
      { id: 'AwsSolutions-RDS6', reason: 'Django connects with the password of DB_SECRET (copilot_deploy/database.py); IAM tokens expire after 15 minutes and Django has no hook to renew them.' },
      ...(environment.production ? [] : [{ id: 'AwsSolutions-RDS10', reason: 'Outside production the stack may be deleted at will; its final snapshot (removal policy SNAPSHOT) keeps the data.' }]),
    ]);
    Validations.of(credentials).acknowledge(...[
      { id: 'AwsSolutions-SMG4', reason: 'The task reads DB_SECRET once, when it starts: a rotated password would break every running task until it is replaced. Copilot\'s addon does not rotate either.' },
    ]);
  }
}
