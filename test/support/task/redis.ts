/**
 * Debian's redis-server standing in for the environment's ElastiCache Serverless Redis (the Celery worker's broker and
 * result backend): one server in the VPC namespace at 10.0.0.12:6379, reachable from every task of the simulation.
 * Plain TCP: the task receives a redis:// URL where ElastiCache hands rediss://, the one difference.
 */
import { programPath } from '../programs.js';
import type { Vpc } from './network.js';
import { ProcessGroup, run, scratchFolder } from './processes.js';

export const REDIS_ADDRESS = '10.0.0.12';
const PORT = 6379;

export class RedisServer {
  private constructor(
    private readonly server: ProcessGroup,
    private readonly vpc: Vpc,
  ) {}

  /** The URL a task receives as REDIS_URL. */
  get url(): string {
    return `redis://${REDIS_ADDRESS}:${PORT}/0`;
  }

  static async start(scratch: string, vpc: Vpc): Promise<RedisServer> {
    await vpc.addHost(REDIS_ADDRESS);
    const folder = scratchFolder(scratch, 'redis');
    // No persistence (an ElastiCache Serverless cache keeps its data across its own maintenance; the tests never restart it).
    const [command, ...args] = vpc.enter([programPath('redis'), '--bind', REDIS_ADDRESS, '--port', String(PORT), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', folder]);
    const server = new ProcessGroup(`redis-server ${REDIS_ADDRESS}:${PORT}`, command, args, process.env);
    await server.waitForOutput('Ready to accept connections');
    return new RedisServer(server, vpc);
  }

  /** One redis-cli command against the server, from inside the VPC; its output, trimmed. */
  async command(...words: string[]): Promise<string> {
    const [command, ...args] = this.vpc.enter(['/usr/bin/redis-cli', '-h', REDIS_ADDRESS, '-p', String(PORT), '--raw', ...words]);
    const result = await run(command, args);
    if (result.code !== 0) throw new Error(`redis-cli ${words.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  }

  logs(): string {
    return this.server.logs();
  }
}
