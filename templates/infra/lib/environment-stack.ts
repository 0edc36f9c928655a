/**
 * One environment of the project: what Copilot's environment stack (network, cluster, load balancer, the database
 * addon) and the service's stack hold, in one stack of its own, beside Copilot's during a migration.
 */
import { CfnOutput, Stack, Stage, Validations, type StackProps, type StageProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { Database, type DatabaseRestore } from './database';
import { ScheduledJob } from './job';
import { MediaBucket } from './media';
import type { Environment, Project } from './project';
import { StaticFiles } from './static-files';
import { WebService } from './web-service';
import { Redis, WorkerService } from './worker';

export interface EnvironmentStackProps extends StackProps {
  project: Project;
  environment: Environment;
  /** The Copilot environment's database to restore (cdk.json's `databaseRestore`), if any. */
  databaseRestore?: DatabaseRestore;
}

/**
 * An environment's stack (named `environment.stackName`) in a stage of its own (`environment.stageName`) in the App:
 * the one construct both `cdk deploy` and the environment's pipeline deploy (`pipeline.addStage`). The template is
 * synthesized once, in `cdk.out/assembly-<stage>/`, so the names CDK derives from construct paths (the task
 * definition's family, the logical IDs of the security groups' ingress rules) are the same whichever deploys it.
 */
export class EnvironmentStage extends Stage {
  readonly stack: EnvironmentStack;

  constructor(scope: Construct, props: StageProps & { project: Project; environment: Environment; databaseRestore?: DatabaseRestore }) {
    const { project, environment, databaseRestore, ...stageProps } = props;
    super(scope, environment.stageName, stageProps);
    this.stack = new EnvironmentStack(this, 'Environment', { stackName: environment.stackName, project, environment, databaseRestore, description: `${project.app}: the ${environment.name} environment and its ${project.service} service` });
  }
}

export class EnvironmentStack extends Stack {
  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const { project, environment, databaseRestore } = props;

    // Copilot's default environment network: two AZs, public subnets for the load balancer and the tasks, private
    // ones for the database and the file system, and no NAT gateway (Copilot adds them only for workloads placed in
    // private subnets; this one is public, behind its security group). Its CIDR is the one nginx trusts for the
    // client address (nginx.conf's set_real_ip_from).
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(project.vpcCidr),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    Validations.of(vpc).acknowledge(...[
      { id: 'AwsSolutions-VPC7', reason: 'As the Copilot environment: no flow logs. The load balancer, the tasks and the database log what they serve; add flow logs when an audit asks for them.' },
    ]);

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: environment.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
    });
    if (!environment.containerInsights) {
      Validations.of(cluster).acknowledge(...[
        { id: 'AwsSolutions-ECS4', reason: 'As the Copilot environment manifest: Container Insights in production only; elsewhere its metrics cost more than they tell.' },
      ]);
    }

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    Validations.of(loadBalancer).acknowledge(...[
      { id: 'AwsSolutions-ELB2', reason: 'As the Copilot environment: no access logs (nginx logs every request to CloudWatch Logs); they need a bucket of their own, a choice left to the team.' },
      { id: 'AwsSolutions-EC23', reason: 'The public web site: the load balancer takes HTTP and HTTPS from anywhere, as Copilot\'s.' },
    ]);

    let listener: elbv2.ApplicationListener;
    if (environment.hostName) {
      const zone = route53.HostedZone.fromLookup(this, 'Zone', { domainName: project.domain });
      const certificate = new acm.Certificate(this, 'Certificate', { domainName: environment.hostName, validation: acm.CertificateValidation.fromDns(zone) });
      listener = loadBalancer.addListener('Https', { port: 443, certificates: [certificate], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS });
      // Plain HTTP only redirects, as Copilot's listener does.
      loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
      new route53.ARecord(this, 'Alias', { zone, recordName: environment.hostName, target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer)) });
    } else {
      listener = loadBalancer.addListener('Http', { port: 80 });
    }

    const database = new Database(this, 'Database', { vpc, project, environment, restore: databaseRestore });
    const staticFiles = new StaticFiles(this, 'StaticFiles', { vpc, project });
    // What every task of the Django image receives: the web service's, the worker's, the job's.
    const media = project.media ? new MediaBucket(this, 'Media') : undefined;
    // The guide's migration copies Copilot's uploads into it.
    if (media) new CfnOutput(this, 'MediaBucketName', { value: media.bucket.bucketName, description: 'The uploads\' bucket: MEDIA_BUCKET_NAME in every task' });
    const resources = {
      project,
      environment,
      databaseSecret: database.secret,
      media,
      redis: project.worker ? new Redis(this, 'Redis', { vpc, worker: project.worker }) : undefined,
    };
    const web = new WebService(this, 'Web', { resources, cluster, listener, staticFiles, loadBalancerDnsName: loadBalancer.loadBalancerDnsName });
    database.cluster.connections.allowDefaultPortFrom(web.service, 'PostgreSQL from the service\'s tasks');
    if (resources.redis) resources.redis.connections.allowDefaultPortFrom(web.service, 'Redis from the service\'s tasks, which enqueue');
    if (project.worker && resources.redis) {
      const worker = new WorkerService(this, 'Worker', { resources: { ...resources, redis: resources.redis }, worker: project.worker, cluster });
      database.cluster.connections.allowDefaultPortFrom(worker.service, 'PostgreSQL from the worker\'s tasks');
    }
    if (project.job) {
      const job = new ScheduledJob(this, 'Job', { resources, job: project.job, cluster });
      database.cluster.connections.allowDefaultPortFrom(job, `PostgreSQL from the ${project.job.name} job's tasks`);
      if (resources.redis) resources.redis.connections.allowDefaultPortFrom(job, `Redis from the ${project.job.name} job's tasks, which may enqueue`);
    }
  }
}
