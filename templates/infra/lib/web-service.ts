/**
 * The service, as copilot/<service>/manifest.yml describes it: one Fargate task of the Django container (gunicorn)
 * and the nginx sidecar, nginx the load balancer's target, the static files' volume read-write in Django and
 * read-only in nginx, the Django secrets from Copilot's SSM parameters, the database's secret as DB_SECRET.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPOSITORY, capacityProviderStrategies, djangoImage, djangoSecrets, djangoVariables, grantDjangoTask, type DjangoResources } from './django';
import type { StaticFiles } from './static-files';

export interface WebServiceProps {
  resources: DjangoResources;
  cluster: ecs.ICluster;
  listener: elbv2.ApplicationListener;
  staticFiles: StaticFiles;
  /** What the Django code reads as the load balancer's name (COPILOT_LB_DNS, an allowed host). */
  loadBalancerDnsName: string;
}

export class WebService extends Construct {
  readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const { resources, staticFiles } = props;
    const { project, environment } = resources;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const volume = project.staticFiles.volume;
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: project.cpu,
      memoryLimitMiB: project.memory,
      // Fargate Spot runs only on x86_64.
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      volumes: [
        {
          name: volume,
          efsVolumeConfiguration: {
            fileSystemId: staticFiles.fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: staticFiles.accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });
    staticFiles.grantMount(taskDefinition.taskRole);
    grantDjangoTask(resources, taskDefinition);

    const django = taskDefinition.addContainer(project.django.container, {
      image: djangoImage(project),
      // gunicorn listens on the task's loopback only, for nginx: the mapping opens nothing by itself.
      portMappings: [{ containerPort: project.django.port, name: 'gunicorn' }],
      // copilot_deploy/hosts.py: the host names the service answers to.
      environment: djangoVariables(resources, project.service, {
        COPILOT_LB_DNS: props.loadBalancerDnsName,
        ...(environment.hostName ? { DJANGO_ALLOWED_HOSTS: environment.hostName } : {}),
      }),
      secrets: djangoSecrets(this, resources, { superuser: true }),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: project.django.container }),
      // Time to drain (the deregistration delay) and finish requests in flight: Fargate's most, a Spot interruption's notice.
      stopTimeout: Duration.seconds(project.stopTimeoutSeconds),
    });
    django.addMountPoints({ sourceVolume: volume, containerPath: project.staticFiles.path, readOnly: false });

    const nginx = taskDefinition.addContainer(project.nginx.container, {
      image: ecs.ContainerImage.fromAsset(join(REPOSITORY, project.nginx.context), { file: project.nginx.dockerfile, platform: Platform.LINUX_AMD64 }),
      portMappings: [{ containerPort: project.nginx.port, name: 'http' }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: project.nginx.container }),
      stopTimeout: Duration.seconds(project.stopTimeoutSeconds),
    });
    nginx.addMountPoints({ sourceVolume: volume, containerPath: project.staticFiles.path, readOnly: true });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: environment.count,
      capacityProviderStrategies: capacityProviderStrategies(environment),
      // Public subnets with public addresses, as Copilot's default placement: no NAT gateway to pay for. The
      // security group admits the load balancer only.
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      assignPublicIp: true,
      healthCheckGracePeriod: Duration.seconds(project.healthCheck.gracePeriodSeconds),
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      // `aws ecs execute-command` outside production, as the manifest's `exec`: a shell reads every secret of the task.
      enableExecuteCommand: !environment.production,
    });
    staticFiles.fileSystem.connections.allowDefaultPortFrom(this.service);

    // The target is nginx on its port, named: the task's default container would be Django.
    props.listener.addTargets('Nginx', {
      port: project.nginx.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service.loadBalancerTarget({ containerName: project.nginx.container, containerPort: project.nginx.port })],
      deregistrationDelay: Duration.seconds(project.deregistrationDelaySeconds),
      healthCheck: {
        path: project.healthCheck.path,
        healthyHttpCodes: project.healthCheck.successCodes,
        healthyThresholdCount: project.healthCheck.healthyThreshold,
        unhealthyThresholdCount: project.healthCheck.unhealthyThreshold,
        interval: Duration.seconds(project.healthCheck.intervalSeconds),
        timeout: Duration.seconds(project.healthCheck.timeoutSeconds),
      },
    });

    Validations.of(taskDefinition).acknowledge(...[
      { id: 'AwsSolutions-ECS2', reason: 'The variables are the Copilot manifest\'s `variables` and the names Copilot sets: no secret among them; the secrets come from SSM and Secrets Manager.' },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Actions that name no resource, written by CDK: the execution role\'s ecr:GetAuthorizationToken (the images\' registry login), and outside ' +
          'production ECS Exec\'s ssmmessages channels and the session logs it writes to CloudWatch Logs.',
      },
    ]);
  }
}
