/**
 * PostgreSQL standing in for Aurora: one server in the VPC namespace at 10.0.0.10:5432 with password (SCRAM)
 * authentication from the subnet, as a task reaches Aurora; a fresh database and login role per use, handed to
 * the task as Copilot's `DB_SECRET` JSON. The test itself administers it over a Unix socket in the scratch folder.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { programPath } from '../programs.js';
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
