/**
 * The task's front door, with the real nginx and gunicorn run as the generated images run them (each Dockerfile's
 * ENTRYPOINT and CMD, as an unprivileged user) in a network namespace of their own that stands for the task's ENI:
 * the task's address 10.0.1.10 in the VPC (10.0.0.0/16), a load balancer node at 10.0.0.2, and 198.51.100.7, an
 * address outside the VPC. Who the client is, what the static files are cached for, who reaches gunicorn, and what a
 * stop (ECS's SIGTERM) does to a stream of requests.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planContext } from '../generators/shared/plan.js';
import { renderFiles } from '../generators/shared/render.js';
import { STOP_TIMEOUT_SECONDS } from '../generators/shared/stop-timeout.js';
import { describeWith } from './support/programs.js';
import { DEMO_ANSWERS } from './support/generate.js';
import { contextSourceOf } from './support/task/build-context.js';
import { commandForm, readDockerfile } from './support/task/dockerfile.js';
import { NetworkNamespace } from './support/task/network.js';
import { ProcessGroup, run, sleep, teardown } from './support/task/processes.js';

const describeFrontDoor = describeWith(['root', 'unshare', 'nginx', 'django', 'gunicorn']);

const TASK_IP = '10.0.1.10';
const LOAD_BALANCER = '10.0.0.2';
const OUTSIDE = '198.51.100.7';
/** What a client writes into X-Forwarded-For to pass for someone else. */
const FORGED = '203.0.113.66';
/** The client the load balancer saw, which it appends to X-Forwarded-For. */
const REAL_CLIENT = '192.0.2.44';
/** The user the processes run as (the images run as non-root users too). */
const NOBODY = 65534;
/** A short drain for the tests; the generated default is the deregistration delay (task-stop.test.ts). */
const TEST_DRAIN_SECONDS = '3';

interface Reply {
  /** curl's exit code: 0 answered, 7 connection refused. */
  code: number;
  status: number;
  headers: Record<string, string>;
  error: string;
}

describeFrontDoor('the task front door on the real nginx and gunicorn', () => {
  const context = planContext(DEMO_ANSWERS);
  let scratch: string;
  let project: string;
  let network: NetworkNamespace;
  let running: ProcessGroup[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'front-door-'));
    chmodSync(scratch, 0o755);
    project = join(scratch, 'project');
    for (const file of renderFiles(context)) {
      const target = join(project, file.destination);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.contents, { mode: file.executable ? 0o755 : 0o644 });
    }
    // The static volume, with one hashed file as collectstatic writes them.
    mkdirSync(join(scratch, 'static'), { recursive: true });
    writeFileSync(join(scratch, 'static', 'app.0123456789ab.css'), 'body { color: black; }\n', { mode: 0o644 });
    // nginx.conf as the image has it, with the pid and temporary files (in /tmp in the image) and the volume here.
    mkdirSync(join(scratch, 'run'));
    chownSync(join(scratch, 'run'), NOBODY, NOBODY);
    const conf = readFileSync(join(project, context.nginxDir, 'nginx.conf'), 'utf8')
      .replaceAll(' /tmp/', ` ${scratch}/run/`)
      .replaceAll(`${context.staticRoot}/`, `${scratch}/static/`);
    writeFileSync(join(scratch, 'nginx.conf'), conf, { mode: 0o644 });

    network = await new NetworkNamespace('task network namespace').ready();
    await network.ip([
      'link set lo up',
      'link add eth0 type veth peer name vpc0',
      `addr add ${TASK_IP}/16 dev eth0`,
      `addr add ${LOAD_BALANCER}/32 dev vpc0`,
      `addr add ${OUTSIDE}/32 dev vpc0`,
      'link set eth0 up',
      'link set vpc0 up',
    ]);
  });

  afterEach(async () => {
    await Promise.all(running.map((group) => group.kill()));
    running = [];
  });

  afterAll(async () => {
    await teardown();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs `argv` in the task's network namespace, as nobody, in `cwd`. */
  function start(label: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv): ProcessGroup {
    const [command, ...args] = network.enter([
      '/usr/bin/setpriv',
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--',
      '/bin/sh',
      '-c',
      'cd "$0" && exec "$@"',
      cwd,
      ...argv,
    ]);
    const group = new ProcessGroup(label, command, args, env);
    running.push(group);
    return group;
  }

  /** The image's ENTRYPOINT (a script the Dockerfile copies in, run from the project) followed by its CMD. */
  function imageCommand(dockerfileFolder: string, { withEntrypoint = true } = {}): string[] {
    const instructions = readDockerfile(join(project, dockerfileFolder, 'Dockerfile'));
    const last = (keyword: string) => instructions.filter((instruction) => instruction.keyword === keyword).pop();
    const cmd = commandForm(last('CMD')?.text ?? '[]').argv;
    const entrypoint = last('ENTRYPOINT');
    // Without an ENTRYPOINT of its own, the nginx image's /docker-entrypoint.sh only execs the CMD here.
    if (!entrypoint || !withEntrypoint) return cmd;
    const [program, ...rest] = commandForm(entrypoint.text).argv;
    const source = contextSourceOf(instructions, program);
    if (source === undefined) throw new Error(`ENTRYPOINT ${program} is not copied from ${dockerfileFolder}/`);
    return [join(project, dockerfileFolder, source), ...rest, ...cmd];
  }

  /**
   * The task's two containers: gunicorn (the Django image's CMD) and nginx (its image's ENTRYPOINT and CMD). The Django
   * image's entrypoint.sh runs the start-up steps (django-app.test.ts) and then execs the CMD, so the stop signal
   * reaches the same gunicorn process here.
   */
  async function startTask(): Promise<{ gunicorn: ProcessGroup; nginx: ProcessGroup }> {
    const djangoCmd = imageCommand(context.djangoDir, { withEntrypoint: false });
    const gunicorn = start('gunicorn', djangoCmd, join(project, context.djangoDir), {
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: '/nonexistent',
      PYTHONDONTWRITEBYTECODE: '1',
      DJANGO_SETTINGS_MODULE: context.settingsModule,
      WEB_CONCURRENCY: '2',
      DRAIN_SECONDS: TEST_DRAIN_SECONDS,
    });
    const nginxArgv = imageCommand(context.nginxDir).flatMap((word) => (word === 'nginx' ? ['nginx', '-e', 'stderr', '-c', join(scratch, 'nginx.conf')] : [word]));
    const nginx = start('nginx', nginxArgv, scratch, { PATH: '/usr/sbin:/usr/bin:/bin', DRAIN_SECONDS: TEST_DRAIN_SECONDS });
    for (let attempt = 0; ; attempt++) {
      const reply = await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}`, { from: LOAD_BALANCER });
      if (reply.status === 200) break;
      if (!gunicorn.running || !nginx.running || attempt > 200) {
        throw new Error(`the task did not answer ${context.healthPath} (last: ${reply.status} ${reply.error}):\n${gunicorn.logs()}\n${nginx.logs()}`);
      }
      await sleep(100);
    }
    return { gunicorn, nginx };
  }

  /** One request from inside the namespace, from the address `from`; Host is one Django allows locally. */
  async function get(url: string, options: { from?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers = { Host: 'localhost', ...options.headers };
    const [command, ...args] = network.enter([
      '/usr/bin/curl',
      '--silent',
      '--show-error',
      '--include',
      '--output',
      '-',
      '--max-time',
      '10',
      ...(options.from ? ['--interface', options.from] : []),
      ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
      url,
    ]);
    const result = await run(command, args);
    const [head] = result.stdout.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const status = result.code === 0 ? Number(lines[0].split(' ')[1]) : 0;
    const replyHeaders = Object.fromEntries(
      lines.slice(1).map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    return { code: result.code, status, headers: replyHeaders, error: result.stderr.trim() };
  }

  /** The log line of the request whose path holds `probe`. */
  async function logLine(group: ProcessGroup, probe: string): Promise<string> {
    await group.waitForOutput(probe);
    return group.logs().split('\n').find((line) => line.includes(probe)) ?? '';
  }

  /**
   * Requests through nginx, one after the other, until every process in `stopping` has exited. Each is marked with
   * whether `marker` (the line a process prints when its drain is over and it stops) was in `markedBy`'s output
   * when the answer came: a request that fails before that is one the drain should have served.
   */
  async function streamUntilExit(stopping: ProcessGroup[], markedBy: ProcessGroup, marker: RegExp) {
    const replies: Array<{ reply: Reply; drainOver: boolean }> = [];
    while (stopping.some((group) => group.running)) {
      const reply = await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}`, { from: LOAD_BALANCER });
      replies.push({ reply, drainOver: marker.test(markedBy.logs()) });
    }
    return replies;
  }

  /** Waits for the process to exit, at most the task's StopTimeout (ECS's SIGKILL would come then). */
  async function exitsWithinStopTimeout(group: ProcessGroup): Promise<boolean> {
    const deadline = Date.now() + STOP_TIMEOUT_SECONDS * 1000;
    while (group.running && Date.now() < deadline) await sleep(100);
    return !group.running;
  }

  test('a client outside the VPC cannot name another client in X-Forwarded-For: nginx and Django log its own address', async () => {
    const { gunicorn, nginx } = await startTask();
    const probe = 'probe=outside';
    const reply = await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}?${probe}`, { from: OUTSIDE, headers: { 'X-Forwarded-For': FORGED } });
    expect(reply.status).toBe(200);
    const nginxLine = await logLine(nginx, probe);
    const djangoLine = await logLine(gunicorn, probe);
    // nginx's access log starts with $remote_addr; gunicorn's (gunicorn.conf.py) with the X-Forwarded-For nginx sent.
    expect({ nginx: nginxLine.split(' ')[0], django: djangoLine.split(' ')[0] }).toEqual({ nginx: OUTSIDE, django: OUTSIDE });
    expect(djangoLine).not.toContain(FORGED);
  });

  test("through the load balancer (a hop in the VPC) the client is the one it appended, not the client's own claim", async () => {
    const { gunicorn, nginx } = await startTask();
    const probe = 'probe=through-load-balancer';
    const reply = await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}?${probe}`, {
      from: LOAD_BALANCER,
      headers: { 'X-Forwarded-For': `${FORGED}, ${REAL_CLIENT}` },
    });
    expect(reply.status).toBe(200);
    const nginxLine = await logLine(nginx, probe);
    const djangoLine = await logLine(gunicorn, probe);
    expect({ nginx: nginxLine.split(' ')[0], django: djangoLine.split(' ')[0] }).toEqual({ nginx: REAL_CLIENT, django: REAL_CLIENT });
    expect(djangoLine).not.toContain(FORGED);
    expect(djangoLine).not.toContain(LOAD_BALANCER);
  });

  test("the task's IP as Host reaches the health check and nothing else, whoever sends it", async () => {
    await startTask();
    for (const from of [LOAD_BALANCER, OUTSIDE]) {
      const health = await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}`, { from, headers: { Host: `${TASK_IP}:${context.nginxPort}` } });
      // Django answers it (here 400: this harness has no metadata endpoint to tell Django the task's IP).
      expect({ from, status: health.status }).toEqual({ from, status: 400 });
      for (const path of ['/admin/login/', `${context.healthPath}../admin/`, '/']) {
        const page = await get(`http://${TASK_IP}:${context.nginxPort}${path}`, { from, headers: { Host: `${TASK_IP}:${context.nginxPort}` } });
        expect({ from, path, status: page.status }).toEqual({ from, path, status: 421 });
      }
    }
    const named = await get(`http://${TASK_IP}:${context.nginxPort}/admin/login/`, { from: LOAD_BALANCER, headers: { Host: 'django.dev.demo.example.com' } });
    expect(named.status).not.toBe(421);
  });

  test('a hashed static file is cached for a year; a missing hashed name is not cached at all', async () => {
    await startTask();
    const found = await get(`http://${TASK_IP}:${context.nginxPort}${context.staticUrl}app.0123456789ab.css`, { from: LOAD_BALANCER });
    expect(found.status).toBe(200);
    expect(found.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await get(`http://${TASK_IP}:${context.nginxPort}${context.staticUrl}x.0123456789ab.css`, { from: LOAD_BALANCER });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control'] ?? '').not.toMatch(/immutable|max-age=31536000/);
  });

  test("gunicorn answers nginx on the task's loopback and nobody on the task's address", async () => {
    await startTask();
    const loopback = await get(`http://127.0.0.1:${context.djangoPort}${context.healthPath}`);
    expect(loopback.status).toBe(200);
    for (const from of [LOAD_BALANCER, OUTSIDE]) {
      const peer = await get(`http://${TASK_IP}:${context.djangoPort}${context.healthPath}`, { from, headers: { 'X-Forwarded-Proto': 'https' } });
      expect({ from, code: peer.code, status: peer.status }).toEqual({ from, code: 7, status: 0 }); // 7: connection refused
    }
  });

  test('stopped as ECS stops the task (SIGTERM to both containers), the task serves every request through the drain, then both exit', async () => {
    const { gunicorn, nginx } = await startTask();
    const streaming = streamUntilExit([nginx], nginx, /stopping nginx gracefully/);
    await sleep(200);
    gunicorn.signal('SIGTERM');
    nginx.signal('SIGTERM');
    const replies = await streaming;
    const duringDrain = replies.filter(({ drainOver }) => !drainOver);
    expect(duringDrain.filter(({ reply }) => reply.status !== 200).map(({ reply }) => `${reply.status} ${reply.error}`)).toEqual([]);
    expect(duringDrain.length).toBeGreaterThan(10);
    expect(await exitsWithinStopTimeout(nginx)).toBe(true);
    expect(await exitsWithinStopTimeout(gunicorn)).toBe(true);
    expect((await nginx.exited).code).toBe(0);
    // Nothing listens any more.
    expect((await get(`http://${TASK_IP}:${context.nginxPort}${context.healthPath}`, { from: LOAD_BALANCER })).code).toBe(7);
  }, (STOP_TIMEOUT_SECONDS + 30) * 1000);

  test('SIGTERM to gunicorn alone: requests through nginx keep their answers until its drain is over, then it exits', async () => {
    const { gunicorn } = await startTask();
    const streaming = streamUntilExit([gunicorn], gunicorn, /Drain over/);
    await sleep(200);
    gunicorn.signal('SIGTERM');
    const replies = await streaming;
    const duringDrain = replies.filter(({ drainOver }) => !drainOver);
    expect(duringDrain.filter(({ reply }) => reply.status !== 200).map(({ reply }) => `${reply.status} ${reply.error}`)).toEqual([]);
    expect(duringDrain.length).toBeGreaterThan(10);
    expect(await exitsWithinStopTimeout(gunicorn)).toBe(true);
    expect(gunicorn.logs()).toMatch(/Shutting down: Master/);
  }, (STOP_TIMEOUT_SECONDS + 30) * 1000);
});
