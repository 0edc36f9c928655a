/**
 * PostgreSQL standing in for Aurora. In the task simulation: one server in the VPC namespace at 10.0.0.10:5432 with
 * password (SCRAM) authentication from the subnet, as a task reaches Aurora; a fresh database and login role per
 * use, handed to the task as Copilot's `DB_SECRET` JSON. For the tests that run the project's processes on this
 * machine: the same server on 127.0.0.1 at a free port, trusting local connections. Either way the test itself
 * administers it over a Unix socket, and the server runs as Debian's postgres account when the tests run as root.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../loopback.js';
import { programPath, PYTHON } from '../programs.js';
import { DATABASE_ADDRESS, SUBNET_CIDR, type Vpc } from './network.js';
import { ProcessGroup, runOrThrow, scratchFolder, sleep } from './processes.js';

const PORT = 5432;

export interface Database {
  name: string;
  /** Copilot's Aurora secret (`copilot storage init -t Aurora`), as the container receives it. */
  secret: string;
}

/** PostgreSQL refuses to run as root: it runs as Debian's postgres account (as anyone else, as that user). */
function postgresUser(): { uid: number; gid: number } {
  const line = /^postgres:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
  if (!line) throw new Error('no postgres user in /etc/passwd: install the postgresql package');
  return { uid: Number(line[1]), gid: Number(line[2]) };
}

/**
 * A session of its own on the server, kept open between statements: a colleague's psql, a task stuck mid-way. One
 * statement per line on stdin; each answered with its first column, then `done <n>`.
 */
const SESSION = `
import sys, psycopg2
connection = psycopg2.connect(host=sys.argv[1], port=int(sys.argv[2]), dbname=sys.argv[3], user="postgres", application_name=sys.argv[4])
connection.autocommit = True
cursor = connection.cursor()
for number, line in enumerate(sys.stdin, 1):
    cursor.execute(line)
    for row in (cursor.fetchall() if cursor.description else []):
        print(f"row {row[0]}", flush=True)
    print(f"done {number}", flush=True)
`;

export class Session {
  private statements = 0;

  constructor(
    readonly process: ProcessGroup,
    readonly applicationName: string,
  ) {}

  /** Runs one statement; returns the first column of its rows. */
  async sql(statement: string): Promise<string[]> {
    const number = ++this.statements;
    const before = this.process.logs().length;
    this.process.child.stdin?.write(`${statement.replace(/\n/g, ' ')}\n`);
    await this.process.waitForOutput(new RegExp(`^done ${number}$`, 'm'));
    const output = this.process.logs().slice(before);
    return output
      .split('\n')
      .filter((line) => line.startsWith('row '))
      .map((line) => line.slice(4));
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Ends the session (its locks go with it). */
  async close(): Promise<void> {
    this.process.child.stdin?.end();
    await this.process.exited;
  }
}

export class PostgresServer {
  private constructor(
    private readonly server: ProcessGroup,
    private readonly socketDir: string,
    private readonly bin: string,
    /** Where the tasks connect over TCP. */
    readonly host: string,
    readonly port: number,
    /** Where `session()` connects: the socket folder, or the TCP address for a session seen coming from it. */
    private readonly sessionHost: string,
    /** A folder of the server's own, removed by `stop()`. */
    private readonly folder?: string,
  ) {}

  /** The simulation's server: at 10.0.0.10:5432 in the VPC namespace, SCRAM passwords from the subnet. */
  static async start(scratch: string, vpc: Vpc): Promise<PostgresServer> {
    const data = scratchFolder(scratch, 'postgres', 'data');
    const socketDir = scratchFolder(scratch, 'postgres', 'socket');
    const server = await launch({
      folders: [data, socketDir, dirname(data)],
      data,
      socketDir,
      // Only the subnet reaches it over TCP, with a password; the test administers it over the socket.
      hba: `local all postgres trust\nhost all all ${SUBNET_CIDR} scram-sha-256\n`,
      address: DATABASE_ADDRESS,
      port: PORT,
      enter: (argv) => vpc.enter(argv),
    });
    return new PostgresServer(server, socketDir, dirname(programPath('postgres')), DATABASE_ADDRESS, PORT, socketDir);
  }

  /**
   * A server on 127.0.0.1 at a free port in a temporary folder of its own, trusting every local connection (any
   * password does), for the tests that run the project's processes on this machine; its sessions connect over TCP.
   */
  static async startOnLoopback(): Promise<PostgresServer> {
    const folder = mkdtempSync(join(tmpdir(), 'postgres-'));
    const data = join(folder, 'data');
    const socketDir = join(folder, 'socket');
    for (const subfolder of [data, socketDir]) mkdirSync(subfolder);
    const port = await freePort();
    const server = await launch({
      folders: [folder, data, socketDir],
      data,
      socketDir,
      hba: 'local all all trust\nhost all all 127.0.0.1/32 trust\n',
      address: '127.0.0.1',
      port,
      enter: (argv) => argv,
    });
    return new PostgresServer(server, socketDir, dirname(programPath('postgres')), '127.0.0.1', port, '127.0.0.1', folder);
  }

  /** Runs SQL as the superuser; returns psql's unaligned output, trimmed. */
  async query(database: string, sql: string): Promise<string> {
    return (await psql(this.bin, this.socketDir, this.port, database, sql)).trim();
  }

  /** A session of the superuser on `database`, named `applicationName` in pg_stat_activity. */
  async session(database: string, applicationName: string): Promise<Session> {
    const group = new ProcessGroup(
      `session ${applicationName}`,
      PYTHON,
      ['-c', SESSION, this.sessionHost, String(this.port), database, applicationName],
      process.env,
      'pipe',
    );
    const session = new Session(group, applicationName);
    await session.sql('SELECT 1');
    return session;
  }

  /** An immediate shutdown (as `pg_ctl stop -m immediate`); the server's own folder goes with it. */
  async stop(): Promise<void> {
    await this.server.stop(5_000, 'SIGQUIT');
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
  }

  /** A new, empty database owned by a new login role; Aurora's master user is likewise not a superuser. */
  async createDatabase(name: string): Promise<Database> {
    const password = randomBytes(18).toString('base64url');
    await this.query('postgres', `CREATE ROLE "${name}" LOGIN PASSWORD '${password}'`);
    await this.query('postgres', `CREATE DATABASE "${name}" OWNER "${name}"`);
    const secret = JSON.stringify({
      username: name,
      password,
      engine: 'postgres',
      host: this.host,
      port: this.port,
      dbname: name,
      dbClusterIdentifier: `${name}-cluster`,
    });
    return { name, secret };
  }
}

function psql(bin: string, socketDir: string, port: number, database: string, sql: string): Promise<string> {
  return runOrThrow(join(bin, 'psql'), ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-AtX', '-c', sql]);
}

/** initdb in `data`, then the server in the foreground, as a process group; returns once it answers on the socket. */
async function launch(options: {
  /** Folders the server's account must own. */
  folders: string[];
  data: string;
  socketDir: string;
  /** pg_hba.conf: who may connect, and how. */
  hba: string;
  address: string;
  port: number;
  /** Wraps the server's command line, e.g. to enter the VPC's network namespace. */
  enter: (argv: string[]) => string[];
}): Promise<ProcessGroup> {
  const bin = dirname(programPath('postgres'));
  let asPostgres: string[] = [];
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    for (const folder of options.folders) chownSync(folder, uid, gid);
    asPostgres = ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'];
  }
  const initdb = [join(bin, 'initdb'), '-D', options.data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync'];
  const [initCommand, ...initArgs] = [...asPostgres, ...initdb];
  await runOrThrow(initCommand, initArgs);
  writeFileSync(join(options.data, 'pg_hba.conf'), options.hba);
  const [command, ...args] = options.enter([
    ...asPostgres,
    join(bin, 'postgres'),
    '-D',
    options.data,
    '-k',
    options.socketDir,
    '-c',
    `listen_addresses=${options.address}`,
    '-c',
    `port=${options.port}`,
    // A throwaway server: durability buys nothing here.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const server = new ProcessGroup('postgres', command, args, process.env);
  for (let attempt = 0; ; attempt++) {
    const ready = await psql(bin, options.socketDir, options.port, 'postgres', 'SELECT 1').then(
      () => true,
      () => false,
    );
    if (ready) return server;
    if (!server.running || attempt > 200) throw new Error(`PostgreSQL did not start:\n${server.logs()}`);
    await sleep(50);
  }
}
