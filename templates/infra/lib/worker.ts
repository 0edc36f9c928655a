/**
 * The Celery worker, as copilot/<worker>/manifest.yml and copilot/environments/addons/redis.yml: Redis on ElastiCache
 * Serverless (TLS always on) in the isolated subnets, admitting the tasks that enqueue and take tasks only, and a
 * service of the Django image running the worker, with no port and no load balancer.
 */
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';
import { capacityProviderStrategies, djangoWorkload, type DjangoResources } from './django';
import type { Worker } from './project';

export interface RedisProps {
  vpc: ec2.IVpc;
  worker: Worker;
}

/** Celery's broker and result backend: `url` (rediss://, no password: the security group admits) and `connections`. */
export class Redis extends Construct {
  readonly url: string;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, { vpc, worker }: RedisProps) {
    super(scope, id);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: 'Redis of the environment: the Celery broker and results', allowAllOutbound: false });
    // 6379 the endpoint, 6380 the reader endpoint.
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcpRange(6379, 6380) });
    const cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      // Unique in the account and region, as the Copilot addon's: `celery-` and the first part of the stack's ID.
      serverlessCacheName: Fn.join('-', ['celery', Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Stack.of(this).stackId))))]),
      description: 'Celery broker and results',
      engine: 'redis',
      majorEngineVersion: worker.redisMajorVersion,
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
      securityGroupIds: [securityGroup.securityGroupId],
      cacheUsageLimits: { dataStorage: { maximum: 5, unit: 'GB' }, ecpuPerSecond: { maximum: 50000 } },
    });
    // Queued tasks are work in flight, not data to keep: the cache goes with the stack, as the Copilot addon's.
    cache.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.url = `rediss://${cache.attrEndpointAddress}:${cache.attrEndpointPort}/0`;
  }
}

export interface WorkerServiceProps {
  resources: DjangoResources & { redis: Redis };
  worker: Worker;
  cluster: ecs.ICluster;
}

export class WorkerService extends Construct {
  readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, { resources, worker, cluster }: WorkerServiceProps) {
    super(scope, id);
    const { project, environment } = resources;
    const taskDefinition = djangoWorkload(this, resources, {
      name: worker.name,
      cpu: project.cpu,
      memory: project.memory,
      // The image's entrypoint sees DJANGO_START_UP: no start-up step, it waits for the web service's migrations.
      command: worker.command,
      variables: { DJANGO_START_UP: worker.startUp },
      // SIGTERM is Celery's warm shutdown: running tasks get as long to finish as the web service's requests.
      stopTimeoutSeconds: project.stopTimeoutSeconds,
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: environment.count,
      capacityProviderStrategies: capacityProviderStrategies(environment),
      // As the web service: public subnets, a public address to reach the image registry, no NAT gateway; nothing
      // connects to a worker, so its security group admits nothing.
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      assignPublicIp: true,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      enableExecuteCommand: !environment.production,
    });
    resources.redis.connections.allowDefaultPortFrom(this.service, 'Redis from the worker\'s tasks');
  }
}
