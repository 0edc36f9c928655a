/**
 * S3 in the task's VPC: an S3-compatible server (s3rver, s3-server.mjs) on an address of the VPC bridge, holding one
 * bucket, refusing what S3 refuses for a private bucket (an unsigned request, a signature the task role's
 * credentials did not make), and the task role's temporary credentials as the ECS agent hands them to a task
 * (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, answered by the metadata endpoint at 169.254.170.2).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetadataEndpoint } from './metadata.js';
import type { Vpc } from './network.js';
import { ProcessGroup, scratchFolder } from './processes.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 's3-server.mjs');
const ADDRESS = '10.0.0.30';
const PORT = 9000;

/** What the ECS agent answers at AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: the task role's temporary credentials. */
export interface TaskRoleCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  RoleArn: string;
}

export class S3Server {
  private constructor(
    private readonly server: ProcessGroup,
    readonly bucket: string,
    /** The endpoint the test's settings get as AWS_S3_ENDPOINT_URL. */
    readonly endpoint: string,
    /** The only credentials the server accepts: the task role's. */
    readonly credentials: TaskRoleCredentials,
    readonly directory: string,
  ) {}

  static async start(vpc: Vpc, scratch: string, bucket: string): Promise<S3Server> {
    await vpc.addHost(ADDRESS);
    const credentials: TaskRoleCredentials = {
      AccessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      SecretAccessKey: randomBytes(30).toString('base64'),
      Token: randomBytes(96).toString('base64'),
      Expiration: new Date(Date.now() + 6 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      RoleArn: 'arn:aws:iam::111122223333:role/demo-dev-django-TaskRole',
    };
    const directory = scratchFolder(scratch, 's3');
    const [command, ...args] = vpc.enter([
      process.execPath,
      SERVER,
      ADDRESS,
      String(PORT),
      directory,
      bucket,
      credentials.AccessKeyId,
      credentials.SecretAccessKey,
      credentials.Token,
    ]);
    const server = new ProcessGroup('s3 server', command, args, process.env, 'pipe');
    await server.waitForOutput('listening on');
    return new S3Server(server, bucket, `http://${ADDRESS}:${PORT}`, credentials, directory);
  }

  /** Publishes the credentials on the metadata endpoint; returns the task's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. */
  async serveCredentials(metadata: MetadataEndpoint): Promise<string> {
    const path = `/v2/credentials/${randomBytes(16).toString('hex')}`;
    await metadata.serve(path, this.credentials);
    return path;
  }

  /** Requests the server answered: `<method> <path> auth=<header|query|none> acl=<x-amz-acl or -> <status>`. */
  requests(): string[] {
    return this.server
      .logs()
      .split('\n')
      .filter((line) => /^[A-Z]+ \//.test(line));
  }

  async stop(): Promise<void> {
    await this.server.kill();
  }
}
