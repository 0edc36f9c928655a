/**
 * A throwaway PostgreSQL cluster for the tests that run the generated start-up steps outside the task simulation:
 * Debian's PostgreSQL on a free loopback port, trusting local connections, fsync off. As root the server runs as the
 * `postgres` user (it refuses root), so its folder must be one of its own.
 */
import { chown, mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { programPath } from './programs.js';
import { run } from './task/processes.js';

export interface PostgresCluster {
  port: number;
  /** Runs one SQL statement with psql as `postgres` in `database`; its output, trimmed. */
  sql: (database: string, query: string) => Promise<string>;
  stop: () => Promise<void>;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPostgres(dir: string): Promise<PostgresCluster> {
  const bin = path.dirname(programPath('postgres'));
  const asRoot = process.getuid?.() === 0;
  const pg = (program: string, args: string[]) =>
    asRoot ? run('/usr/sbin/runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]) : run(path.join(bin, program), args);
  const data = path.join(dir, 'data');
  await mkdir(data, { recursive: true });
  if (asRoot) {
    const uid = Number((await run('/usr/bin/id', ['-u', 'postgres'])).stdout);
    const gid = Number((await run('/usr/bin/id', ['-g', 'postgres'])).stdout);
    for (const folder of [dir, data]) await chown(folder, uid, gid);
  }
  const init = await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const started = await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', 'start']);
  if (started.code !== 0) throw new Error(`pg_ctl start failed: ${started.stdout}${started.stderr}`);
  return {
    port,
    sql: async (database, query) => {
      const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database];
      const result = await run(path.join(bin, 'psql'), [...connection, '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', query]);
      if (result.code !== 0) throw new Error(`psql failed on ${query}: ${result.stderr}`);
      return result.stdout.trim();
    },
    stop: async () => void (await pg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'])),
  };
}
