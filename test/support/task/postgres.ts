/**
 * PostgreSQL standing in for Aurora: one server in the VPC namespace at 10.0.0.10:5432 with password (SCRAM)
 * authentication from the subnet, as a task reaches Aurora; a fresh database and login role per use, handed to
 * the task as Copilot's `DB_SECRET` JSON. The test itself administers it over a Unix socket in the scratch folder.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { programPath, PYTHON } from '../programs.js';
import { DATABASE_ADDRESS, SUBNET_CIDR, type Vpc } from './network.js';
import { ProcessGroup, runOrThrow, scratchFolder, sleep } from './processes.js';

const PORT = 5432;

export interface Database {
  name: string;
  /** Copilot's Aurora secret (`copilot storage init -t Aurora`), as the container receives it. */
  secret: string;
}

/** PostgreSQL refuses to run as root: it runs as Debian's postgres account. */
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
    private readonly socketDir: string,
    private readonly bin: string,
  ) {}

  static async start(scratch: string, vpc: Vpc): Promise<PostgresServer> {
    const bin = dirname(programPath('postgres'));
    const { uid, gid } = postgresUser();
    const data = scratchFolder(scratch, 'postgres', 'data');
    const socketDir = scratchFolder(scratch, 'postgres', 'socket');
    for (const folder of [data, socketDir, dirname(data)]) chownSync(folder, uid, gid);
    const asPostgres = ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'];
    await runOrThrow(asPostgres[0], [...asPostgres.slice(1), join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync']);
    // Only the subnet reaches it over TCP, with a password; the test administers it over the socket.
    writeFileSync(join(data, 'pg_hba.conf'), `local all postgres trust\nhost all all ${SUBNET_CIDR} scram-sha-256\n`);
    const [command, ...args] = vpc.enter([
      ...asPostgres,
      join(bin, 'postgres'),
      '-D',
      data,
      '-k',
      socketDir,
      '-c',
      `listen_addresses=${DATABASE_ADDRESS}`,
      '-c',
      `port=${PORT}`,
      // A throwaway server: durability buys nothing here.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    const server = new ProcessGroup('postgres', command, args, process.env);
    const postgres = new PostgresServer(socketDir, bin);
    for (let attempt = 0; ; attempt++) {
      const ready = await postgres.query('postgres', 'SELECT 1').then(
        () => true,
        () => false,
      );
      if (ready) break;
      if (!server.running || attempt > 200) throw new Error(`PostgreSQL did not start:\n${server.logs()}`);
      await sleep(50);
    }
    return postgres;
  }

  /** Runs SQL as the superuser; returns psql's unaligned output. */
  query(database: string, sql: string): Promise<string> {
    return runOrThrow(join(this.bin, 'psql'), ['-h', this.socketDir, '-p', String(PORT), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-AtX', '-c', sql]);
  }

  /** A session of the superuser on `database` over the socket, named `applicationName` in pg_stat_activity. */
  async session(database: string, applicationName: string): Promise<Session> {
    const group = new ProcessGroup(`session ${applicationName}`, PYTHON, ['-c', SESSION, this.socketDir, String(PORT), database, applicationName], process.env, 'pipe');
    const session = new Session(group, applicationName);
    await session.sql('SELECT 1');
    return session;
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
      host: DATABASE_ADDRESS,
      port: PORT,
      dbname: name,
      dbClusterIdentifier: `${name}-cluster`,
    });
    return { name, secret };
  }
}
