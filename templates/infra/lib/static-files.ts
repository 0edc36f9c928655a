/**
 * The static files' volume, as Copilot's managed EFS volume: one encrypted file system per environment with an
 * access point owned by the image's user, mounted over TLS with the task role's IAM authorization. collectstatic
 * (the Django container's entrypoint) fills it; nginx serves it read-only. Nothing in it needs keeping: the next
 * start's collectstatic writes it again, so the file system goes with the stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Project } from './project';

export interface StaticFilesProps {
  vpc: ec2.IVpc;
  project: Project;
}

export class StaticFiles extends Construct {
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;

  constructor(scope: Construct, id: string, { vpc, project }: StaticFilesProps) {
    super(scope, id);
    const { uid, gid } = project.staticFiles;
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      encrypted: true,
      allowAnonymousAccess: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.accessPoint = this.fileSystem.addAccessPoint('AccessPoint', {
      path: '/static',
      createAcl: { ownerUid: String(uid), ownerGid: String(gid), permissions: '755' },
      posixUser: { uid: String(uid), gid: String(gid) },
    });
  }

  /** Mounting through the access point, and writing: what collectstatic needs (nginx's mount is read-only). */
  grantMount(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [this.fileSystem.fileSystemArn],
        conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn } },
      }),
    );
  }
}
