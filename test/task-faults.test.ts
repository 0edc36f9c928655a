/**
 * Faults staged in the simulated ECS task (test/support/task/): the generated project's two containers, each
 * ENTRYPOINT the PID 1 of its own PID namespace as on Fargate, the database, the metadata endpoint and the load
 * balancer's side of the VPC. Each fault ends the way the generated README says it does ("What is where", "Static
 * files"): the sentence is quoted above each test.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWith } from './support/programs.js';
import { temporaryFolder } from './support/generate.js';
import { readTaskDefinition, type TaskDefinition } from './support/task/manifest.js';
import { header, RequestError, type HttpRequest, type HttpResponse } from './support/task/network.js';
import { OPTION_SETS, projectFor } from './support/task/option-sets.js';
import type { Database, Session } from './support/task/postgres.js';
import { sleep, waitFor } from './support/task/processes.js';
import { secretsFor, Simulation, type Deployment } from './support/task/simulation.js';
import type { Task, VariableOverrides } from './support/task/task.js';

const describeTask = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn', 'psycopg2', 'postgres']);

/** The deploy lock's key (copilot_deploy/management/commands/locked.py). */
const DEPLOY_LOCK_KEY = '7384610295318450';
/** A task of the environment's security group, inside the VPC. */
const PEER = '10.0.2.20';
/** A client outside the VPC. */
const OUTSIDE = '198.51.100.7';
/** What a client writes into X-Forwarded-For to pass for someone else. */
const FORGED = '203.0.113.66';
/** The client the load balancer saw, which it appends to X-Forwarded-For. */
const REAL_CLIENT = '192.0.2.44';
/** A host in the VPC whose listener accepts connections and never answers. */
const BLACK_HOLE = '10.0.0.11';
/** How long a wait for something the task does by itself may take on a slow machine; not a claim about the task. */
const PATIENCE_MS = 60_000;

/** A domain, Spot, two branches: the dev environment's task. */
const OPTION_SET = OPTION_SETS[0];

/** Polls `check` until it returns something other than undefined; fails naming `what` after PATIENCE_MS. */
function waitPatiently<T>(what: string, check: () => T | undefined | Promise<T | undefined>, context: () => string): Promise<T> {
  return waitFor(what, check, { patienceMs: PATIENCE_MS, context });
}

/** A figure for the test output, not an assertion. */
function report(label: string, ms: number) {
  process.stdout.write(`[task faults] ${label}: ${(ms / 1000).toFixed(1)} s\n`);
}

/** Lines of `logs` holding `text`. */
const linesWith = (logs: string, text: string) => logs.split('\n').filter((line) => line.includes(text));

/**
 * The version of the app the tests deploy: the generated project plus one page that links static files of its own,
 * through `{% static %}` as the README asks. `assets` are the files under the project's STATICFILES_DIRS.
 */
function writeVersion(djangoDir: string, page: string, assets: Record<string, string | null>) {
  const settings = join(djangoDir, 'config', 'settings.py');
  const marker = '# task-faults: a page and static files of the version';
  if (!readFileSync(settings, 'utf8').includes(marker)) {
    writeFileSync(
      settings,
      `${readFileSync(settings, 'utf8')}\n${marker}\nSTATICFILES_DIRS = [BASE_DIR / "assets"]\nTEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]\n`,
    );
    const urls = join(djangoDir, 'config', 'urls.py');
    writeFileSync(
      urls,
      `${readFileSync(urls, 'utf8')}\nfrom django.views.generic import TemplateView  # noqa: E402\n\nurlpatterns.append(path("page/", TemplateView.as_view(template_name="page.html")))\n`,
    );
  }
  mkdirSync(join(djangoDir, 'templates'), { recursive: true });
  writeFileSync(join(djangoDir, 'templates', 'page.html'), `{% load static %}<!doctype html>\n<title>page</title>\n${page}\n`);
  for (const [name, content] of Object.entries(assets)) {
    const path = join(djangoDir, 'assets', name);
    mkdirSync(join(path, '..'), { recursive: true });
    if (content === null) rmSync(path, { force: true });
    else writeFileSync(path, content);
  }
}

const link = (name: string) => `<link rel="stylesheet" href="{% static '${name}' %}">`;
/** Version A's stylesheets; version B adds one, removes one and changes one. */
const A_ASSETS = {
  'faults/kept.css': 'body { margin: 0; }\n',
  'faults/removed.css': '.removed-in-b { color: red; }\n',
  'faults/changed.css': '.changed { color: green; } /* version A */\n',
};
const A_PAGE = [link('faults/kept.css'), link('faults/removed.css'), link('faults/changed.css')].join('\n');
const B_ASSETS = {
  'faults/removed.css': null,
  'faults/changed.css': '.changed { color: blue; } /* version B */\n',
  'faults/added.css': '.added-in-b { color: purple; }\n',
};
const B_PAGE = [link('faults/kept.css'), link('faults/added.css'), link('faults/changed.css')].join('\n');

describeTask('faults in the generated ECS task', () => {
  let simulation: Simulation;
  let versionA: Deployment;
  let definition: TaskDefinition;
  let django: string;
  let nginx: string;
  let secrets: Record<string, string>;
  let publicHost: string;
  const tasks: Task[] = [];
  const sessions: Session[] = [];
  const folders: string[] = [];

  /** The generated project copied and given `page` and `assets`: one version of the app. */
  function version(project: string, page: string, assets: Record<string, string | null>): string {
    const folder = temporaryFolder('task-faults-version-');
    folders.push(folder);
    cpSync(project, folder, { recursive: true });
    writeVersion(readTaskDefinition(folder, OPTION_SET.environment).containers[0].context, page, assets);
    return folder;
  }

  beforeAll(async () => {
    simulation = await Simulation.start();
    await simulation.vpc.addHost(PEER);
    await simulation.vpc.addHost(OUTSIDE);
    const project = await projectFor(OPTION_SET);
    folders.push(project);
    versionA = await simulation.deploy(version(project, A_PAGE, A_ASSETS), OPTION_SET.environment);
    definition = versionA.definition;
    django = definition.containers[0].name;
    nginx = definition.target.container;
    secrets = secretsFor(definition);
    const domain = definition.containers[0].variables.DJANGO_DOMAIN;
    publicHost = `${definition.service}.${definition.environment}.${definition.app}.${domain}`;
  }, 180_000);

  afterEach(async () => {
    await simulation.metadata.recover();
    for (const session of sessions.splice(0)) await session.close();
    // Cleaning up, not a stop under test: a short StopTimeout.
    await Promise.all(tasks.splice(0).map((task) => task.stop({ stopTimeoutSeconds: 5 })));
  });

  afterAll(async () => {
    await simulation?.teardown();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  /**
   * A task of `deployment` (version A unless given) on `database` and `volumes` (new ones unless given). Both
   * containers drain for 2 s (DRAIN_SECONDS, the manifest variable) unless `variables` say otherwise.
   */
  async function startTask(
    options: { deployment?: Deployment; database?: Database; volumes?: Record<string, string>; variables?: VariableOverrides } = {},
  ): Promise<{ task: Task; database: Database; volumes: Record<string, string> }> {
    const deployment = options.deployment ?? versionA;
    const database = options.database ?? (await simulation.createDatabase());
    const volumes = options.volumes ?? simulation.createVolumes(deployment.definition);
    const variables: VariableOverrides = {};
    for (const container of deployment.definition.containers) {
      variables[container.name] = { DRAIN_SECONDS: '2', ...options.variables?.[container.name] };
    }
    const task = await simulation.startTask(deployment, { database, volumes, secrets, variables });
    tasks.push(task);
    return { task, database, volumes };
  }

  /** A session that holds the deploy lock, as a task in the middle of its migrations or a stuck psql would. */
  async function holdDeployLock(database: Database, applicationName: string): Promise<{ session: Session; pid: string }> {
    const session = await simulation.postgres.session(database.name, applicationName);
    sessions.push(session);
    const [pid] = await session.sql('SELECT pg_backend_pid()');
    await session.sql(`SELECT pg_advisory_lock(${DEPLOY_LOCK_KEY})`);
    return { session, pid };
  }

  /** Sessions holding (granted) or waiting for the deploy lock in `database`. */
  async function deployLock(database: Database): Promise<{ granted: string[]; waiting: string[] }> {
    const rows = await simulation.postgres.query(
      database.name,
      `SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND (classid::bigint << 32) + objid::bigint = ${DEPLOY_LOCK_KEY} ORDER BY pid`,
    );
    const pairs = rows ? rows.split('\n').map((row) => row.split('|')) : [];
    return { granted: pairs.filter(([, granted]) => granted === 't').map(([pid]) => pid), waiting: pairs.filter(([, granted]) => granted === 'f').map(([pid]) => pid) };
  }

  /** Tables in the database's public schema: what a migration left. */
  const tables = (database: Database) => simulation.postgres.query(database.name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");

  /** A request to the task's nginx as the load balancer forwards a browser's HTTPS request (or from `from`). */
  function browserRequest(task: Task, path: string, extra: Partial<HttpRequest> = {}): Promise<HttpResponse> {
    return simulation.vpc.request({
      ip: task.ip,
      port: definition.target.port,
      path,
      ...extra,
      headers: { Host: publicHost, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '443', ...extra.headers },
    });
  }

  describe('start-up', () => {
    // README: "A stop during the start-up (a deploy, Spot) ends it within seconds, the migration under way rolled
    // back and the lock released." and "waiting for the deploy lock after 60 s (DJANGO_DEPLOY_LOCK_TIMEOUT), naming
    // the session that holds it".
    test("SIGTERM to the Django container's PID 1 while it waits for the deploy lock another session holds: it exits 143 by itself, nothing migrated, the holder keeps the lock", async () => {
      const database = await simulation.createDatabase();
      const holder = await holdDeployLock(database, 'release 41 migrations');
      const { task } = await startTask({ database });
      const logs = () => task.container(django).process.logs();
      const holderNamed = `locked: the deploy lock is held by PostgreSQL backend pid ${holder.pid}, application_name 'release 41 migrations'`;
      await task.container(django).process.waitForOutput(holderNamed, PATIENCE_MS);
      expect(logs()).toMatch(/Waiting for the deploy lock to run collectstatic, migrate, ensure_superuser, record_start \(up to 1 min 0 s, DJANGO_DEPLOY_LOCK_TIMEOUT\)/);

      const stopTimeout = definition.stopTimeouts[django];
      expect(stopTimeout).toBe(120);
      const signalled = Date.now();
      await task.signal(django, 'SIGTERM');
      const exit = await task.exited(django, stopTimeout * 1000);
      report('SIGTERM during the lock wait: the Django container exited after', Date.now() - signalled);

      // By itself, before ECS's SIGKILL at the StopTimeout: 128 + 15.
      expect({ exit, logs: logs() }).toEqual({ exit: { code: 143, signal: null }, logs: expect.stringContaining('locked: stopped by SIGTERM') });
      expect(logs()).toContain('entrypoint: stopped by SIGTERM before the server could start');
      expect(logs()).not.toContain('entrypoint: starting');
      expect(logs()).not.toContain('Applying ');
      expect(await tables(database)).toBe('');
      expect(await deployLock(database)).toEqual({ granted: [holder.pid], waiting: [] });
      expect(holder.session.running).toBe(true);
      expect(await holder.session.sql('SELECT 1')).toEqual(['1']);
    });

    // README: "connecting to the database gives up after 30 s (`PGCONNECT_TIMEOUT` ...)" and "The start-up fits in
    // the health check's grace period ... or fails saying why, and ECS replaces the task".
    test('a database host that accepts connections and never answers: the start fails within PGCONNECT_TIMEOUT naming host:port, the container exits non-zero', async () => {
      const blackHole = await simulation.vpc.blackHole(BLACK_HOLE, 5432);
      const real = await simulation.createDatabase();
      const database: Database = { name: real.name, secret: JSON.stringify({ ...JSON.parse(real.secret), host: BLACK_HOLE }) };
      const started = Date.now();
      const { task } = await startTask({ database, variables: { [django]: { PGCONNECT_TIMEOUT: '3' } } });
      const exit = await task.exited(django, 120_000);
      report('a black-holed database: the Django container exited after', Date.now() - started);
      const logs = task.container(django).process.logs();

      expect(exit).toBeDefined();
      expect(exit?.code).not.toBe(0);
      expect(exit?.code).not.toBeNull();
      expect(logs).toContain(`could not connect to the database at ${BLACK_HOLE}:5432 within 3 s (PGCONNECT_TIMEOUT)`);
      expect(logs).toMatch(/entrypoint: the start-up steps failed \(exit status [1-9]\d*\)/);
      expect(logs).not.toContain('entrypoint: starting');
      // The connections did reach the host: they were left unanswered, not refused.
      expect(blackHole.logs()).toContain(`accepted ${task.ip}`);
    });

    test('a deploy lock held by a stuck session: the start gives up at DJANGO_DEPLOY_LOCK_TIMEOUT naming the session, the holder unaffected', async () => {
      const database = await simulation.createDatabase();
      const holder = await holdDeployLock(database, 'stuck session');
      const { task } = await startTask({ database, variables: { [django]: { DJANGO_DEPLOY_LOCK_TIMEOUT: '3' } } });
      const exit = await task.exited(django, 120_000);
      const logs = task.container(django).process.logs();
      const session = `PostgreSQL backend pid ${holder.pid}, application_name 'stuck session'`;

      expect({ exit, logs }).toEqual({ exit: { code: 1, signal: null }, logs: expect.stringContaining(`gave up waiting for the deploy lock after 3 s (DJANGO_DEPLOY_LOCK_TIMEOUT): held by ${session}`) });
      expect(logs).toContain(`SELECT pg_terminate_backend(${holder.pid})`);
      expect(logs).toContain('(up to 3 s, DJANGO_DEPLOY_LOCK_TIMEOUT)');
      expect(logs).not.toContain('entrypoint: starting');
      expect(await tables(database)).toBe('');
      expect(await deployLock(database)).toEqual({ granted: [holder.pid], waiting: [] });
      expect(holder.session.running).toBe(true);
    });

    // README: "The task's IP, which the health check sends as `Host`, is read again while the metadata endpoint
    // fails: the check passes once it answers."
    test('a metadata endpoint that fails at first: the health check through nginx recovers to 200 without a restart; a foreign Host still 400', async () => {
      await simulation.metadata.fail();
      const { task } = await startTask();
      const djangoLogs = () => task.container(django).process.logs();
      const workers = Number(definition.containers[0].variables.WEB_CONCURRENCY);
      expect(workers).toBeGreaterThanOrEqual(2);
      // Every worker read the endpoint when its settings loaded, and failed.
      await waitPatiently('each worker to fail to read the task IP', () => (linesWith(djangoLogs(), "Could not read the task's IP addresses").length >= workers ? true : undefined), djangoLogs);
      const failing = await task.healthCheck();
      expect(failing.status).toBe(400);
      expect(simulation.metadata.requests().some((line) => line.endsWith(' 500'))).toBe(true);

      await simulation.metadata.recover();
      // The load balancer's checks, one after another: each worker in turn comes to the IP on its own.
      let inARow = 0;
      await waitPatiently(
        'ten health checks in a row to answer 200',
        async () => {
          inARow = (await task.healthCheck()).status === 200 ? inARow + 1 : 0;
          return inARow >= 10 ? true : undefined;
        },
        djangoLogs,
      );
      const foreign = await task.request({ path: definition.healthCheck.path, headers: { Host: 'attacker.example.net' } });
      expect(foreign.status).toBe(400);
      expect(djangoLogs()).toContain(`Read the task's IP addresses ${task.ip} from `);
      // The same container and the same workers: no restart brought it.
      expect(task.container(django).process.running).toBe(true);
      expect(linesWith(djangoLogs(), 'Booting worker with pid')).toHaveLength(workers);
    });
  });

  describe('exposure', () => {
    let task: Task;

    beforeAll(async () => {
      ({ task } = await startTask());
      // Shared by the tests below: not stopped after each.
      tasks.splice(tasks.indexOf(task), 1);
      await task.waitHealthy();
    }, 120_000);

    afterAll(async () => {
      await task?.stop({ stopTimeoutSeconds: 5 });
    });

    test("each container's ENTRYPOINT is PID 1 of its own PID namespace, as on Fargate: gunicorn (exec'd by entrypoint.sh), nginx's entrypoint.sh", async () => {
      const pid1 = async (container: string) => (await task.exec(container, ['cat', '/proc/1/cmdline'])).stdout.split('\0').filter(Boolean);
      expect((await pid1(django)).join(' ')).toMatch(/^\/usr\/bin\/python3 \/usr\/bin\/gunicorn --config /);
      expect((await pid1(nginx)).join(' ')).toMatch(/entrypoint\.sh nginx -g daemon off;$/);
    });

    // README: "gunicorn listens on the task's loopback only (`127.0.0.1:8000`), so no other task of the environment
    // reaches Django past nginx."
    test('a peer in the VPC reaching port 8000 of the task: connection refused; through nginx on 8080 it is served', async () => {
      const djangoPort = definition.containers[0].port;
      expect(djangoPort).toBe(8000);
      const direct = await simulation.vpc
        .request({ ip: task.ip, port: djangoPort!, path: definition.healthCheck.path, from: PEER, headers: { Host: publicHost, 'X-Forwarded-Proto': 'https' } })
        .catch((error: unknown) => error);
      expect(direct).toBeInstanceOf(RequestError);
      expect({ curlCode: (direct as RequestError).curlCode, message: (direct as RequestError).message }).toEqual({
        curlCode: 7,
        message: expect.stringMatching(/Connection refused|Couldn't connect/),
      });
      const throughNginx = await browserRequest(task, definition.healthCheck.path, { from: PEER });
      expect(definition.target.port).toBe(8080);
      expect(throughNginx.status).toBe(200);
      expect(header(throughNginx, 'server')).toBe('nginx');
    });

    // README: "nginx takes the client's address from `X-Forwarded-For` only as the load balancer (a hop in the VPC,
    // `10.0.0.0/16`, Copilot's default) appended it; what a client writes there itself is neither logged nor passed
    // to Django, which gets `X-Forwarded-For` and `X-Real-IP` set to that one address."
    test.each([
      { who: 'a client outside the VPC', from: OUTSIDE, forwardedFor: FORGED, logged: OUTSIDE },
      { who: 'the load balancer, for a client that forged the header', from: undefined, forwardedFor: `${FORGED}, ${REAL_CLIENT}`, logged: REAL_CLIENT },
    ])('X-Forwarded-For from $who: nginx and gunicorn log $logged, never the forged address', async ({ from, forwardedFor, logged }) => {
      const probe = `probe=${Math.random().toString(36).slice(2)}`;
      const response = await simulation.vpc.request({
        ip: task.ip,
        port: definition.target.port,
        path: `${definition.healthCheck.path}?${probe}`,
        from,
        headers: { Host: publicHost, 'X-Forwarded-For': forwardedFor },
      });
      expect(response.status).toBe(200);
      const nginxLogs = task.container(nginx).process;
      const djangoLogs = task.container(django).process;
      await nginxLogs.waitForOutput(probe);
      await djangoLogs.waitForOutput(probe);
      const [nginxLine] = linesWith(nginxLogs.logs(), probe);
      const [djangoLine] = linesWith(djangoLogs.logs(), probe);
      // nginx's access log starts with $remote_addr; gunicorn's (gunicorn.conf.py) with the X-Forwarded-For nginx sent.
      expect({ nginx: nginxLine.split(' ')[0], django: djangoLine.split(' ')[0] }).toEqual({ nginx: logged, django: logged });
      expect(djangoLine).not.toContain(FORGED);
      expect(nginxLine).not.toContain(FORGED);
    });

    // README: "Hashed static files (`app.3f2a1b9c8d7e.css`) are cached for a year, other static files for 5 minutes,
    // and a missing file not at all."
    test('a hashed name that is missing answers 404 without a long cache; a hashed file that is there is immutable', async () => {
      const page = await browserRequest(task, '/page/');
      expect(page.status).toBe(200);
      const hashed = /href="(\/static\/faults\/kept\.[0-9a-f]{12}\.css)"/.exec(page.body.toString())?.[1];
      expect(hashed).toBeDefined();
      const found = await browserRequest(task, hashed!);
      expect(found.status).toBe(200);
      expect(header(found, 'cache-control')).toBe('public, max-age=31536000, immutable');
      const missing = await browserRequest(task, hashed!.replace(/\.[0-9a-f]{12}\.css$/, '.0123456789ab.css'));
      expect(missing.status).toBe(404);
      expect(header(missing, 'cache-control')).toBe('no-store');
    });

    // README: "A request whose Host is an IP address gets the health check (`/health/`, which the load balancer sends
    // with the task's IP) and nothing else: any other path answers 421".
    test("the task's IP as Host: the health path answers 200, any other page 421", async () => {
      const asTaskIp = { Host: `${task.ip}:${definition.target.port}`, 'X-Forwarded-Proto': 'https' };
      expect((await task.healthCheck()).status).toBe(200);
      for (const path of ['/admin/login/', '/page/', `${definition.healthCheck.path}../admin/`, '/']) {
        for (const from of [undefined, OUTSIDE]) {
          const response = await task.request({ path, headers: asTaskIp, from });
          expect({ path, from, status: response.status }).toEqual({ path, from, status: 421 });
        }
      }
      expect((await task.request({ path: '/page/', headers: { Host: task.ip, 'X-Forwarded-Proto': 'https' } })).status).toBe(421);
      expect((await browserRequest(task, '/page/')).status).toBe(200);
    });
  });

  // README: "When ECS stops a task (a deploy, a scale-in, a Spot interruption, whose SIGTERM comes as the load
  // balancer starts deregistering the task), nginx and gunicorn keep serving for the target group's
  // `deregistration_delay` ... then stop gracefully" and "`StopTimeout` of 120 s".
  test('SIGTERM to both containers while requests stream through nginx: every request answered until the drain is over, then both exit before the StopTimeout', async () => {
    const drain = { DRAIN_SECONDS: '3' };
    const { task } = await startTask({ variables: { [django]: drain, [nginx]: drain } });
    await task.waitHealthy();
    const replies: Array<{ status: number | string; drainOver: boolean }> = [];
    const running = () => [...task.containers.values()].some((container) => container.process.running);
    const stream = (async () => {
      while (running()) {
        const response = await browserRequest(task, '/page/').catch((error: RequestError) => error);
        replies.push({
          status: response instanceof RequestError ? `curl ${response.curlCode}` : response.status,
          drainOver: /stopping nginx gracefully/.test(task.container(nginx).process.logs()),
        });
      }
    })();
    await sleep(300);
    const stopped = Date.now();
    const exits = await task.stop();
    report('SIGTERM to the task with DRAIN_SECONDS=3: both containers exited after', Date.now() - stopped);
    await stream;

    const duringDrain = replies.filter(({ drainOver }) => !drainOver);
    expect(duringDrain.filter(({ status }) => status !== 200)).toEqual([]);
    expect(duringDrain.length).toBeGreaterThan(10);
    // The service's cfn.patches.yml gives both containers Fargate's longest StopTimeout; they need far less.
    expect(definition.stopTimeouts).toEqual({ [django]: 120, [nginx]: 120 });
    expect(exits).toEqual({
      [django]: { code: 0, signal: null, killedAtStopTimeout: false },
      [nginx]: { code: 0, signal: null, killedAtStopTimeout: false },
    });
    expect(task.container(nginx).process.logs()).toContain('entrypoint: stop requested; serving 3 s more');
    expect(task.container(django).process.logs()).toMatch(/Drain over: stopping gracefully/);
  }, 240_000);

  // README ("Static files"): "a worker of the old version that restarts after the new one collected still finds every
  // file its pages link" and "a start of any version that did not collect last collects again and writes its own
  // content under them (`copilot_deploy/startup.py`), so a rollback serves the old content again".
  test('two versions on one static volume and database, and a rollback: a fresh worker of A serves its page after B collected; A→B→A serves A again under unhashed names', async () => {
    const versionB = await simulation.deploy(version(folders[0], B_PAGE, { ...A_ASSETS, ...B_ASSETS }), OPTION_SET.environment);
    const { task: taskA, database, volumes } = await startTask();
    await taskA.waitHealthy();
    const pageA = await browserRequest(taskA, '/page/');
    expect(pageA.status).toBe(200);
    const removedHashed = /href="(\/static\/faults\/removed\.[0-9a-f]{12}\.css)"/.exec(pageA.body.toString())?.[1];
    expect(removedHashed).toBeDefined();

    // Version B starts on the same volume and database (a rolling deploy): it collects its own files.
    const { task: taskB } = await startTask({ deployment: versionB, database, volumes });
    await taskB.waitHealthy();
    expect(taskB.container(django).process.logs()).toMatch(/static files? copied/);
    const pageB = await browserRequest(taskB, '/page/');
    expect(pageB.status).toBe(200);
    const addedHashed = /href="(\/static\/faults\/added\.[0-9a-f]{12}\.css)"/.exec(pageB.body.toString())?.[1];
    expect(addedHashed).toBeDefined();
    expect((await browserRequest(taskB, addedHashed!)).status).toBe(200);
    expect(pageB.body.toString()).not.toContain('removed.');

    // Fresh workers of A (gunicorn's HUP: new workers load the app again, as after a crash or a timeout).
    const workers = Number(definition.containers[0].variables.WEB_CONCURRENCY);
    const booted = () => linesWith(taskA.container(django).process.logs(), 'Booting worker with pid').length;
    const before = booted();
    await taskA.signal(django, 'SIGHUP');
    await waitPatiently('new workers of A', () => (booted() >= before + workers ? true : undefined), () => taskA.container(django).process.logs());
    for (let request = 0; request < workers * 3; request++) {
      const again = await browserRequest(taskA, '/page/');
      expect({ status: again.status, removed: again.body.toString().includes(removedHashed!) }).toEqual({ status: 200, removed: true });
    }
    expect((await browserRequest(taskA, removedHashed!)).status).toBe(200);
    expect((await browserRequest(taskB, '/page/')).status).toBe(200);

    // Under its unhashed name, the changed file holds the content of the version that collected last: B.
    const unhashed = async (task: Task) => (await browserRequest(task, '/static/faults/changed.css')).body.toString();
    expect(await unhashed(taskB)).toBe(B_ASSETS['faults/changed.css']);

    // The rollback, A→B→A: a new task of A on the same volume and database.
    const { task: taskA2 } = await startTask({ database, volumes });
    await taskA2.waitHealthy();
    expect(await unhashed(taskA2)).toBe(A_ASSETS['faults/changed.css']);
    const pageA2 = await browserRequest(taskA2, '/page/');
    expect(pageA2.status).toBe(200);
    expect(pageA2.body.toString()).toContain(removedHashed!);
    expect(taskA2.container(django).process.logs()).toContain('entrypoint: running the start-up steps');
    expect(taskA2.container(django).process.logs()).not.toContain('collectstatic: skipped');
  }, 360_000);
});
