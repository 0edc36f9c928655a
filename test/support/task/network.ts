/**
 * The VPC the tasks run in, as network namespaces on this machine. Nothing is added to this machine's own network.
 *
 * - The VPC namespace holds a bridge `vpc0` (the subnet 10.0.0.0/16, gateway 10.0.0.1). In it live what a task
 *   reaches over the network: PostgreSQL at 10.0.0.10 (standing in for Aurora), the ECS agent's metadata
 *   endpoint at 169.254.170.2, and the load balancer, whose requests come from 10.0.0.1.
 * - Each task gets its own namespace (the awsvpc ENI): `lo` shared by its containers, and `eth0`, one end of a
 *   veth pair whose other end is on the bridge, with the task's private IP 10.0.1.x.
 * - Other hosts a test needs are addresses on the same bridge (`addHost`): a peer task of the environment's security
 *   group inside the VPC, a client outside it (the task's default route leads to the gateway, so it answers them
 *   all), a database host that accepts connections and never answers (`blackHole`).
 * Every namespace is held by a process that ends when its stdin closes, so nothing outlives the test process.
 */
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { ProcessGroup, runOrThrow, sleep } from './processes.js';

export const SUBNET_CIDR = '10.0.0.0/16';
const PREFIX = '16';
export const GATEWAY = '10.0.0.1';
export const DATABASE_ADDRESS = '10.0.0.10';
/** The bridge's own hardware address (locally administered), the tasks' gateway's. */
const BRIDGE_MAC = '02:00:0a:00:00:01';
export const METADATA_ADDRESS = '169.254.170.2';

/** A process holding a new network namespace; `netns` is its path for nsenter. */
export class NetworkNamespace {
  readonly holder: ProcessGroup;

  constructor(label: string) {
    this.holder = new ProcessGroup(label, '/usr/bin/unshare', ['--net', '--', '/bin/sh', '-c', 'read -r _'], process.env, 'pipe');
  }

  get netns(): string {
    return `/proc/${this.holder.pid}/ns/net`;
  }

  /**
   * Resolves once the holder has left this machine's namespace: before that, `netns <pid>` or nsenter would
   * configure this machine's own network.
   */
  async ready(): Promise<this> {
    const own = readlinkSync('/proc/self/ns/net');
    for (let attempt = 0; readlinkSync(this.netns) === own; attempt++) {
      if (!this.holder.running || attempt > 500) throw new Error(`${this.holder.label} did not start:\n${this.holder.logs()}`);
      await sleep(5);
    }
    return this;
  }

  /** argv prefixed to run a command inside this namespace. */
  enter(argv: string[]): string[] {
    return ['/usr/bin/nsenter', `--net=${this.netns}`, '--', ...argv];
  }

  async ip(commands: string[]): Promise<void> {
    const [command, ...args] = this.enter(['/usr/sbin/ip', '-batch', '-']);
    await runOrThrow(command, args, { input: `${commands.join('\n')}\n` });
  }

  async close(): Promise<void> {
    await this.holder.kill();
  }
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased; repeated headers (Set-Cookie) keep every value. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export function header(response: HttpResponse, name: string): string | undefined {
  return response.headers[name.toLowerCase()]?.[0];
}

export interface HttpRequest {
  ip: string;
  port: number;
  /** The client's address (one `addHost` added); the load balancer's, the gateway, when not given. */
  from?: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A request that got no HTTP answer; `curlCode` is curl's exit status (7: connection refused, 28: timed out). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly curlCode: number,
  ) {
    super(message);
  }
}

function parseResponse(raw: Buffer): HttpResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const headers: Record<string, string[]> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { status, headers, body: raw.subarray(end + 4) };
}

export class Vpc extends NetworkNamespace {
  private nextHost = 10;

  private constructor() {
    super('vpc network namespace');
  }

  static async create(): Promise<Vpc> {
    const vpc = await new Vpc().ready();
    await vpc.ip([
      'link set lo up',
      // A fixed address: a bridge otherwise takes the lowest of its ports' addresses, and changes it when that port
      // goes with its task. The tasks still running would keep sending to the old address, which no longer reaches
      // the bridge, until their neighbour entries expire: seconds in which Redis, PostgreSQL and the metadata
      // endpoint seem to hang. A VPC's router keeps its address.
      `link add vpc0 address ${BRIDGE_MAC} type bridge`,
      `addr add ${GATEWAY}/${PREFIX} dev vpc0`,
      `addr add ${DATABASE_ADDRESS}/${PREFIX} dev vpc0`,
      'link set vpc0 up',
      `addr add ${METADATA_ADDRESS}/32 dev lo`,
    ]);
    return vpc;
  }

  /** One more address on the bridge, for a host the test plays: a peer in the VPC, a client outside it. */
  async addHost(address: string): Promise<string> {
    await this.ip([`addr add ${address}/32 dev vpc0`]);
    return address;
  }

  /**
   * A host at `address:port` whose listener accepts connections and never answers (a database behind a broken
   * proxy, a stuck server): the connection opens, and nothing ever comes back. Ends with the test process.
   */
  async blackHole(address: string, port: number): Promise<ProcessGroup> {
    await this.addHost(address);
    const script = [
      "const net = require('node:net');",
      'const sockets = [];',
      'const server = net.createServer((socket) => { sockets.push(socket); console.log(`accepted ${socket.remoteAddress}`); });',
      `server.listen(${port}, '${address}', () => console.log('listening'));`,
      "process.stdin.on('end', () => { sockets.forEach((socket) => socket.destroy()); server.close(); });",
      'process.stdin.resume();',
    ].join('\n');
    const [command, ...args] = this.enter([process.execPath, '-e', script]);
    const server = new ProcessGroup(`black hole ${address}:${port}`, command, args, process.env, 'pipe');
    await server.waitForOutput('listening');
    return server;
  }

  /** Gives the task namespace its ENI: eth0 on the subnet, a default route through the gateway. */
  async attach(task: NetworkNamespace): Promise<string> {
    const host = this.nextHost++;
    const address = `10.0.1.${host}`;
    const veth = `vt${host}`;
    await this.ip([`link add ${veth} type veth peer name eth0 netns ${task.holder.pid}`, `link set ${veth} master vpc0 up`]);
    await task.ip(['link set lo up', `addr add ${address}/${PREFIX} dev eth0`, 'link set eth0 up', `route add default via ${GATEWAY}`]);
    return address;
  }

  /** The load balancer (or the host `from`): one HTTP request from inside the VPC, answered as raw bytes. */
  request(request: HttpRequest): Promise<HttpResponse> {
    const headers = Object.entries(request.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const [command, ...args] = this.enter([
      '/usr/bin/curl',
      '--silent',
      '--show-error',
      '--include',
      '--path-as-is',
      '--max-time',
      '10',
      '--request',
      request.method ?? 'GET',
      ...(request.from ? ['--interface', request.from] : []),
      '-H',
      'Expect:',
      ...headers,
      ...(request.body === undefined ? [] : ['--data-binary', '@-']),
      `http://${request.ip}:${request.port}${request.path}`,
    ]);
    return new Promise((resolve, reject) => {
      const child = execFile(command, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          const where = `${request.method ?? 'GET'} ${request.path} to ${request.ip}:${request.port}${request.from ? ` from ${request.from}` : ''}`;
          reject(new RequestError(`${where}: ${stderr.toString() || error.message}`, typeof error.code === 'number' ? error.code : -1));
        } else resolve(parseResponse(stdout));
      });
      // curl may exit (connection refused) before reading its input: that shows in its own error, not as EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(request.body);
    });
  }
}
