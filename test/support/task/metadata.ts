/**
 * The ECS container metadata endpoint v4, as Fargate serves it at 169.254.170.2 inside the VPC (or, for the tests that
 * run the project's processes on this machine, on 127.0.0.1 at a free port): per container,
 * `${ECS_CONTAINER_METADATA_URI_V4}` answers the container's JSON and `/task` the task's (and the v3 URI the same
 * container JSON), in the documented shape
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate-examples.html).
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METADATA_ADDRESS, SUBNET_CIDR, GATEWAY, type Vpc } from './network.js';
import { ProcessGroup, sleep } from './processes.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'metadata-server.mjs');
const REGION = 'us-east-1';
const ACCOUNT = '111122223333';

export interface ContainerInTask {
  name: string;
  image: string;
  /** The image's ID (`sha256:...`): the same in every task started from the same build. */
  imageId: string;
}

export interface TaskMetadata {
  taskId: string;
  taskArn: string;
  /** Container name -> the URI its ECS_CONTAINER_METADATA_URI_V4 points at. */
  uris: Record<string, string>;
}

export class MetadataEndpoint {
  private constructor(
    private readonly server: ProcessGroup,
    /** Where the endpoint answers, e.g. `http://169.254.170.2`. */
    readonly origin: string,
  ) {}

  static async start(vpc: Vpc): Promise<MetadataEndpoint> {
    const [command, ...args] = vpc.enter([process.execPath, SERVER, METADATA_ADDRESS, '80']);
    const server = new ProcessGroup('metadata endpoint', command, args, process.env, 'pipe');
    await server.waitForOutput('listening on');
    return new MetadataEndpoint(server, `http://${METADATA_ADDRESS}`);
  }

  /** On 127.0.0.1 at a free port, for processes started on this machine; `teardown()` or `stop()` ends it. */
  static async startOnLoopback(): Promise<MetadataEndpoint> {
    const listening = /^listening on (127\.0\.0\.1:\d+)$/m;
    const server = new ProcessGroup('metadata endpoint', process.execPath, [SERVER, '127.0.0.1', '0'], process.env, 'pipe');
    await server.waitForOutput(listening);
    return new MetadataEndpoint(server, `http://${listening.exec(server.logs())![1]}`);
  }

  async stop(): Promise<void> {
    await this.server.kill();
  }

  /** Requests the endpoint answered, e.g. `GET /v4/<id> 200`: proof that a container asked. */
  requests(): string[] {
    return this.server.logs().split('\n').filter((line) => line.startsWith('GET '));
  }

  /**
   * Makes the endpoint fail: the next `count` requests (every request until `recover()`, when omitted) get a 500,
   * as from an agent that is not ready or overloaded. Requests answered so: `requests()` lines ending in ` 500`.
   */
  fail(count = -1): Promise<void> {
    return this.command({ fail: count }, `failing ${count}`);
  }

  /** Ends `fail()`: every request is answered again. */
  recover(): Promise<void> {
    return this.fail(0);
  }

  /** Answers GET `path` with `body` as JSON from now on (in place of what it answered before); returns its URL. */
  async serve(path: string, body: unknown): Promise<string> {
    await this.command({ path, body }, `stored ${path}`);
    return `${this.origin}${path}`;
  }

  /** Sends the server one command and waits for its acknowledgement, a line `reply` more than there was before. */
  private async command(command: object, reply: string): Promise<void> {
    const acknowledged = () => this.server.logs().split('\n').filter((line) => line === reply).length;
    const before = acknowledged();
    this.server.child.stdin?.write(`${JSON.stringify(command)}\n`);
    for (let attempt = 0; acknowledged() === before; attempt++) {
      if (attempt > 500) throw new Error(`the metadata endpoint did not acknowledge ${reply}:\n${this.server.logs()}`);
      await sleep(10);
    }
  }

  /** Publishes the documents of a task whose ENI has `address`, before its containers start. */
  async registerTask(cluster: string, family: string, address: string, containers: ContainerInTask[]): Promise<TaskMetadata> {
    const taskId = randomBytes(16).toString('hex');
    const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/${taskId}`;
    const now = new Date().toISOString();
    const network = {
      NetworkMode: 'awsvpc',
      IPv4Addresses: [address],
      AttachmentIndex: 0,
      MACAddress: '0a:de:f6:10:51:e5',
      IPv4SubnetCIDRBlock: SUBNET_CIDR,
      DomainNameServers: [GATEWAY],
      DomainNameSearchList: [`${REGION}.compute.internal`],
      PrivateDNSName: `ip-${address.replace(/\./g, '-')}.${REGION}.compute.internal`,
      SubnetGatewayIpv4Address: `${GATEWAY}/${SUBNET_CIDR.split('/')[1]}`,
    };
    const documents = containers.map((container, index) => {
      const dockerId = `${taskId}-${1000000000 + index}`;
      return {
        name: container.name,
        dockerId,
        body: {
          DockerId: dockerId,
          Name: container.name,
          DockerName: container.name,
          Image: container.image,
          ImageID: container.imageId,
          Labels: {
            'com.amazonaws.ecs.cluster': `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`,
            'com.amazonaws.ecs.container-name': container.name,
            'com.amazonaws.ecs.task-arn': taskArn,
            'com.amazonaws.ecs.task-definition-family': family,
            'com.amazonaws.ecs.task-definition-version': '1',
          },
          DesiredStatus: 'RUNNING',
          KnownStatus: 'RUNNING',
          Limits: { CPU: 2, Memory: 0 },
          CreatedAt: now,
          StartedAt: now,
          Type: 'NORMAL',
          Networks: [network],
          ContainerARN: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${cluster}/${taskId}/${randomBytes(16).toString('hex')}`,
          LogDriver: 'awslogs',
        },
      };
    });
    const task = {
      Cluster: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`,
      TaskARN: taskArn,
      Family: family,
      Revision: '1',
      DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING',
      Containers: documents.map((document) => document.body),
      LaunchType: 'FARGATE',
      AvailabilityZone: `${REGION}a`,
    };
    const uris: Record<string, string> = {};
    for (const document of documents) {
      const path = `/v4/${document.dockerId}`;
      uris[document.name] = await this.serve(path, document.body);
      await this.serve(`${path}/task`, task);
      // ECS_CONTAINER_METADATA_URI (v3) answers the same container document.
      await this.serve(`/v3/${document.dockerId}`, document.body);
    }
    return { taskId, taskArn, uris };
  }
}
