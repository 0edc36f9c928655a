/**
 * Faults during a Django task's start-up (templates/__django__/entrypoint.sh and copilot_deploy/), staged with the
 * real programs: Debian's Django and gunicorn, PostgreSQL 15, and the entrypoint as PID 1 of a PID namespace of its
 * own, as on Fargate, where the kernel hands PID 1 only the signals it has a handler for.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, httpGet, startBlackHole } from './support/loopback.js';
import { describeWith, PYTHON, programPath } from './support/programs.js';
import { cloudEnv, DEMO_CONTEXT, EXEC_OK, imagePath, renderProject } from './support/rendered-project.js';
import { MetadataEndpoint } from './support/task/metadata.js';
import { PostgresServer, type Session } from './support/task/postgres.js';
import { ProcessGroup, run, teardown, waitFor } from './support/task/processes.js';

const CONTEXT = DEMO_CONTEXT;

/** The deploy lock's key (copilot_deploy/management/commands/locked.py). */
const DEPLOY_LOCK_KEY = '7384610295318450';
const TASK_IP = '10.0.1.23';
/** Long enough for any of these starts on a slow machine; the faults below would otherwise last for ever. */
const PATIENCE_MS = 30_000;

/** Polls `check` until it returns a value other than undefined; fails naming `what` after PATIENCE_MS. */
function waitPatiently<T>(what: string, check: () => T | undefined | Promise<T | undefined>, context?: () => string): Promise<T> {
  return waitFor(what, check, { patienceMs: PATIENCE_MS, context });
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL (test/support/task/postgres.ts): a throwaway server on loopback, administered with psql; a session that
// holds a lock as long as the test wants.

interface Holder {
  pid: string;
  session: Session;
}

/** A session that runs `query` (takes a lock) and then does nothing until closed: a stuck task, a colleague's psql. */
async function holdInSession(postgres: PostgresServer, database: string, query: string): Promise<Holder> {
  const session = await postgres.session(database, 'stuck-session');
  await session.sql(query);
  const [pid] = await session.sql('SELECT pg_backend_pid()');
  return { pid, session };
}

// ---------------------------------------------------------------------------------------------------------------
// The task's Django container: the rendered project, `python` on PATH as in the image, the task's environment.

/** The task's environment on `database` of the test's server, the static volume at `staticRoot`. */
function taskEnv(bin: string, staticRoot: string, database: { host: string; port: number; dbname: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cloudEnv('example.com', {
    PATH: imagePath(bin),
    DB_SECRET: JSON.stringify({ ...database, username: 'postgres', password: 'unused-with-trust', engine: 'postgres' }),
    DJANGO_STATIC_ROOT: staticRoot,
    ...extra,
  });
}

interface Start {
  process: ProcessGroup;
  output: () => string;
  /** The entrypoint's process (PID 1 inside its namespace), as this test's namespace numbers it. */
  entrypointPid: () => Promise<number>;
  /** The exit status (a number, or the signal's name), or 'still running' when it has not ended within `ms`. */
  exitWithin: (ms: number) => Promise<number | string>;
  kill: () => Promise<void>;
}

/**
 * entrypoint.sh with `command` as the CMD. `asPid1`: in a new PID namespace (`unshare --pid --fork`), where the
 * script is PID 1, as in a container.
 */
function startEntrypoint(project: string, env: NodeJS.ProcessEnv, command: string[], asPid1: boolean): Start {
  const argv = ['/bin/sh', 'entrypoint.sh', ...command];
  const [file, ...args] = asPid1 ? [programPath('unshare'), '--pid', '--fork', '--mount-proc', ...argv] : argv;
  // Its own process group, so that a test that fails leaves nothing running.
  const group = new ProcessGroup('entrypoint.sh', file, args, env, 'ignore', project);
  const exited = group.exited.then(({ code, signal }) => code ?? signal ?? 'unknown');
  return {
    process: group,
    output: () => group.logs(),
    entrypointPid: async () => {
      if (!asPid1) return group.pid;
      // unshare --fork runs the script in a child of its own: PID 1 of the new namespace.
      const children = `/proc/${group.pid}/task/${group.pid}/children`;
      return waitPatiently('the entrypoint under unshare', async () => {
        const pids = (await readFile(children, 'utf8').catch(() => '')).trim();
        return pids ? Number(pids.split(/\s+/)[0]) : undefined;
      });
    },
    exitWithin: (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    },
    kill: () => group.kill(),
  };
}

// ---------------------------------------------------------------------------------------------------------------

describeWith(['root', 'unshare', 'django', 'psycopg2', 'postgres', 'gunicorn'])('a Django task whose start-up meets a fault', () => {
  let workDir: string;
  let postgres: PostgresServer;
  const starts: Start[] = [];
  const holders: Holder[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'startup-faults-'));
    postgres = await PostgresServer.startOnLoopback();
  });

  afterEach(async () => {
    await Promise.all(starts.splice(0).map((start) => start.kill()));
    for (const holder of holders.splice(0)) await holder.session.close();
  });

  afterAll(async () => {
    await postgres?.stop();
    await teardown();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A fresh database and a project rendered for it; `start` runs its entrypoint. */
  async function task(database: string, extra: NodeJS.ProcessEnv = {}) {
    await postgres.query('postgres', `CREATE DATABASE ${database}`);
    const { project, bin } = await renderProject(CONTEXT, path.join(workDir, database));
    const env = taskEnv(bin, path.join(workDir, database, 'static'), { host: postgres.host, port: postgres.port, dbname: database }, extra);
    const start = (command = EXEC_OK, asPid1 = false) => {
      const started = startEntrypoint(project, env, command, asPid1);
      starts.push(started);
      return started;
    };
    return { project, env, start };
  }

  async function hold(database: string, query: string): Promise<Holder> {
    const holder = await holdInSession(postgres, database, query);
    holders.push(holder);
    return holder;
  }

  /** The sessions holding (granted) or waiting for the advisory lock `key` in `database`, by pid. */
  async function advisoryLock(database: string, key: string): Promise<{ granted: string[]; waiting: string[] }> {
    const rows = await postgres.query(
      database,
      `SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND (classid::bigint << 32) + objid::bigint = ${key}`,
    );
    const pairs = rows ? rows.split('\n').map((row) => row.split('|')) : [];
    const pids = (state: string) => pairs.filter(([, granted]) => granted === state).map(([pid]) => pid);
    return { granted: pids('t'), waiting: pids('f') };
  }

  const tableExists = async (database: string, table: string) => (await postgres.query(database, `SELECT to_regclass('${table}') IS NOT NULL`)) === 't';

  describe('SIGTERM to the entrypoint as PID 1', () => {
    it('while it waits for the deploy lock another session holds: it ends within seconds, the holder keeps the lock, nothing is migrated', async () => {
      const { start } = await task('stop_waiting');
      const holder = await hold('stop_waiting', `SELECT pg_advisory_lock(${DEPLOY_LOCK_KEY})`);
      const entrypoint = start(EXEC_OK, true);
      const waiting = () => (entrypoint.output().includes('Waiting for the deploy lock') ? true : undefined);
      await waitPatiently('the start-up to wait for the lock', waiting, entrypoint.output);

      process.kill(await entrypoint.entrypointPid(), 'SIGTERM');
      const status = await entrypoint.exitWithin(10_000);

      expect({ status, output: entrypoint.output() }).toEqual({
        status: 143,
        output: expect.stringContaining('entrypoint: stopped by SIGTERM before the server could start'),
      });
      expect(entrypoint.output()).toContain('locked: stopped by SIGTERM');
      expect(entrypoint.output().split('\n')).not.toContain('exec ok');
      expect(await advisoryLock('stop_waiting', DEPLOY_LOCK_KEY)).toEqual({ granted: [holder.pid], waiting: [] });
      expect(holder.session.running).toBe(true);
      expect(await tableExists('stop_waiting', 'django_migrations')).toBe(false);
    });

    it('while a migration waits in the database: the statement is cancelled, the migration rolled back, the deploy lock freed at once', async () => {
      const { project, start } = await task('stop_migrating');
      // A migration that creates a table, then waits for a lock the test holds: a long ALTER TABLE, in effect.
      const migrations = path.join(project, 'copilot_deploy', 'migrations');
      await mkdir(migrations);
      await writeFile(path.join(migrations, '__init__.py'), '');
      await writeFile(
        path.join(migrations, '0001_slow.py'),
        [
          'from django.db import migrations',
          '',
          '',
          'class Migration(migrations.Migration):',
          '    initial = True',
          '    dependencies = []',
          '    operations = [',
          '        migrations.RunSQL("CREATE TABLE half_applied (id integer)"),',
          '        migrations.RunSQL("SELECT pg_advisory_xact_lock(4242)"),',
          '    ]',
          '',
        ].join('\n'),
      );
      const holder = await hold('stop_migrating', 'SELECT pg_advisory_lock(4242)');
      const entrypoint = start(EXEC_OK, true);
      const [migrating] = await waitPatiently(
        'the migration to wait for lock 4242',
        async () => {
          const { waiting } = await advisoryLock('stop_migrating', '4242');
          return waiting.length > 0 ? waiting : undefined;
        },
        entrypoint.output,
      );
      expect((await advisoryLock('stop_migrating', DEPLOY_LOCK_KEY)).granted).toEqual([migrating]);

      process.kill(await entrypoint.entrypointPid(), 'SIGTERM');
      const status = await entrypoint.exitWithin(10_000);

      expect({ status, output: entrypoint.output() }).toEqual({ status: 143, output: expect.stringContaining('locked: stopped by SIGTERM') });
      // The session that ran the migration is gone, with its locks: the next task can start right away.
      await waitPatiently('the session of the stopped start-up to end', async () =>
        (await postgres.query('stop_migrating', `SELECT count(*) FROM pg_stat_activity WHERE pid = ${migrating}`)) === '0' ? true : undefined,
      );
      expect(await advisoryLock('stop_migrating', DEPLOY_LOCK_KEY)).toEqual({ granted: [], waiting: [] });
      expect(await advisoryLock('stop_migrating', '4242')).toEqual({ granted: [holder.pid], waiting: [] });
      expect(await tableExists('stop_migrating', 'half_applied')).toBe(false);
      expect(await postgres.query('stop_migrating', "SELECT count(*) FROM django_migrations WHERE app = 'copilot_deploy'")).toBe('0');

      // The next start applies it whole.
      await holder.session.close();
      const next = start();
      expect({ status: await next.exitWithin(PATIENCE_MS), output: next.output() }).toEqual({ status: 0, output: expect.stringContaining('exec ok') });
      expect(next.output()).toContain('Applying copilot_deploy.0001_slow... OK');
      expect(await tableExists('stop_migrating', 'half_applied')).toBe(true);
    });
  });

  it('a database that accepts connections and never answers: the start fails within the connect timeout, naming host and port', async () => {
    const blackHole = await startBlackHole();
    const { port } = blackHole;
    try {
      const { start } = await task('black_hole', {
        PGCONNECT_TIMEOUT: '3',
        DB_SECRET: JSON.stringify({ host: '127.0.0.1', port, dbname: 'black_hole', username: 'postgres', password: 'x' }),
      });
      const entrypoint = start();
      const status = await entrypoint.exitWithin(PATIENCE_MS);
      const output = entrypoint.output();
      expect({ status, output }).toEqual({
        status: 1,
        output: expect.stringContaining(`locked: connecting to the database at 127.0.0.1:${port} within 3 s (PGCONNECT_TIMEOUT)...`),
      });
      expect(output).toContain(`CommandError: could not connect to the database at 127.0.0.1:${port} within 3 s (PGCONNECT_TIMEOUT): `);
      expect(output).toMatch(/entrypoint: the start-up steps failed \(exit status 1\): python3 -c .* does not start/);
      expect(output).not.toContain('Waiting for the deploy lock');
      expect(output.split('\n')).not.toContain('exec ok');
      expect(blackHole.connections()).toBeGreaterThan(0);
    } finally {
      await blackHole.close();
    }
  });

  it('without PGCONNECT_TIMEOUT, a connection gives up after 30 s and sends TCP keepalives', async () => {
    const { project, env } = await task('default_options');
    const probe = 'import json\nfrom copilot_deploy.database import database_from_environment\nprint(json.dumps(database_from_environment()["OPTIONS"]))';
    const result = await run(PYTHON, ['-c', probe], { cwd: project, env });
    expect(JSON.parse(result.stdout)).toEqual({ connect_timeout: 30, keepalives: 1, keepalives_idle: 30, keepalives_interval: 10, keepalives_count: 3 });
  });

  it('a deploy lock held by a stuck session: the start gives up at its deadline, naming the session', async () => {
    const { start } = await task('stuck_lock', { DJANGO_DEPLOY_LOCK_TIMEOUT: '3' });
    const holder = await hold('stuck_lock', `SELECT pg_advisory_lock(${DEPLOY_LOCK_KEY})`);
    const entrypoint = start();
    const status = await entrypoint.exitWithin(PATIENCE_MS);
    const output = entrypoint.output();
    const session = `PostgreSQL backend pid ${holder.pid}, application_name 'stuck-session', from 127.0.0.1, connected `;
    expect({ status, output }).toEqual({ status: 1, output: expect.stringContaining(`locked: the deploy lock is held by ${session}`) });
    expect(output).toContain(
      'Waiting for the deploy lock to run collectstatic, migrate, ensure_superuser, record_start (up to 3 s, DJANGO_DEPLOY_LOCK_TIMEOUT)...',
    );
    expect(output).toContain(`CommandError: gave up waiting for the deploy lock after 3 s (DJANGO_DEPLOY_LOCK_TIMEOUT): held by ${session}`);
    expect(output).toContain(`SELECT pg_terminate_backend(${holder.pid})`);
    expect(output.split('\n')).not.toContain('exec ok');
    expect(await tableExists('stuck_lock', 'django_migrations')).toBe(false);
    expect(await advisoryLock('stuck_lock', DEPLOY_LOCK_KEY)).toEqual({ granted: [holder.pid], waiting: [] });
  });

  it.each([
    ['DJANGO_DEPLOY_LOCK_TIMEOUT', 'soon', 'DJANGO_DEPLOY_LOCK_TIMEOUT must be a number of seconds above 0, not \'soon\''],
    ['PGCONNECT_TIMEOUT', '0', "PGCONNECT_TIMEOUT must be a whole number of seconds, at least 2, not '0'"],
  ])('refuses %s=%s, naming the variable, the value and the rule', async (variable, value, message) => {
    const { start } = await task(`refuse_${variable.toLowerCase()}`, { [variable]: value });
    const entrypoint = start();
    expect({ status: await entrypoint.exitWithin(PATIENCE_MS), output: entrypoint.output() }).toEqual({ status: 1, output: expect.stringContaining(message) });
  });

  it('a metadata endpoint that fails at first: the health check by task IP passes once it answers, without a restart; another Host gets 400', async () => {
    const container = {
      Name: 'django',
      ImageID: 'sha256:25f3695bedfb454a50f12d127839a68ad3caf91e451c1da073db34c542c4d2cb',
      Labels: { 'com.amazonaws.ecs.task-definition-family': 'demo-dev-django', 'com.amazonaws.ecs.task-definition-version': '3' },
      Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: [TASK_IP] }],
    };
    const endpoint = await MetadataEndpoint.startOnLoopback();
    await endpoint.fail();
    const metadataUri = await endpoint.serve('/v4/container-id', container);
    try {
      const port = await freePort();
      const { start } = await task('flaky_metadata', { ECS_CONTAINER_METADATA_URI_V4: metadataUri });
      const gunicorn = start(['python3', '-m', 'gunicorn', '--config', 'gunicorn.conf.py', '--bind', `127.0.0.1:${port}`, 'config.wsgi:application']);
      const health = async (host: string) => (await httpGet(port, CONTEXT.healthPath, host)).status;

      // Both workers have started, and each read the endpoint when its settings loaded.
      const failures = () => gunicorn.output().split("Could not read the task's IP addresses").length - 1;
      await waitPatiently('both workers to fail to read the task IP', () => (failures() >= 2 ? true : undefined), gunicorn.output);
      expect(await health(TASK_IP)).toBe(400);

      await endpoint.recover();
      // Every worker comes to it on its own: ten health checks in a row answered 200.
      let inARow = 0;
      await waitPatiently(
        'ten health checks in a row to pass',
        async () => {
          inARow = (await health(TASK_IP)) === 200 ? inARow + 1 : 0;
          return inARow >= 10 ? true : undefined;
        },
        gunicorn.output,
      );
      expect(await health('evil.example')).toBe(400);
      expect(await health('10.0.1.24')).toBe(400);
      expect(gunicorn.output()).toContain(`Read the task's IP addresses ${TASK_IP} from ${metadataUri} at attempt `);
      // The same gunicorn and the same two workers: no restart brought it.
      expect(gunicorn.process.running).toBe(true);
      expect(gunicorn.output().split('Booting worker with pid').length - 1).toBe(2);
      expect(endpoint.requests().filter((line) => line.endsWith(' 200')).length).toBeGreaterThan(0);
    } finally {
      await endpoint.stop();
    }
  });
});
