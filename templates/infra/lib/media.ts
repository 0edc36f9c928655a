/**
 * The uploaded files' bucket, as copilot/environments/addons/media.yml: one private bucket per environment (no public
 * access, no ACLs, encrypted, TLS only, versioned), kept when the stack goes. Every task of the Django image receives
 * its name (copilot_deploy/settings.py stores uploads there with django-storages) and may read, write and delete its
 * objects and list it, as copilot/<workload>/addons/media.yml grants; no other bucket.
 */
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export class MediaBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // The users' files: a deleted stack (or a migration back) leaves the bucket and its objects.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge(...[
      { id: 'AwsSolutions-S1', reason: 'As the Copilot media addon: no server access logs (they need a bucket of their own); CloudTrail data events are the team\'s choice when an audit asks for them.' },
    ]);
  }

  /** Objects read, written and deleted, and the listing: what django-storages' S3 backend does, on this bucket only. */
  grantObjects(role: iam.IRole): void {
    const policy = new iam.Policy(this, `Access${role.node.addr}`, {
      statements: [
        new iam.PolicyStatement({ sid: 'MediaObjects', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [this.bucket.arnForObjects('*')] }),
        new iam.PolicyStatement({ sid: 'MediaListing', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      ],
    });
    policy.attachToRole(role);
    Validations.of(policy).acknowledge(...[
      { id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>/*]`, reason: 'The objects of the environment\'s media bucket, whose keys are the uploaded files\' names: no other bucket.' },
    ]);
  }
}
