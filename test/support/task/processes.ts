/**
 * The processes the tests run, and the simulation's own scratch space. `run` runs a program to its end and
 * `waitFor` polls for what a running one does; both serve every test, in the simulation or not. The scratch space is a tmpfs (overlayfs refuses a layer
 * below another layer on the same filesystem, and the container roots overlay `/` itself), mounted on a fresh
 * temporary folder. Every long-running process is started in its own process group and recorded, so that
 * `teardown()` (afterAll, and process exit as a last resort) kills all of them and unmounts, even after a failure.
 * Mounts made for containers live in private mount namespaces and vanish with their processes.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fchmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws on a non-zero exit (the caller asserts). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        // A program that could not start (ENOENT) or timed out has no stderr: the error says why.
        resolve({ code, stdout, stderr: stderr || (error ? error.message : '') });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** Like `run`, but throws with the command's output when it fails. */
export async function runOrThrow(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

let logFolder: string | undefined;
let logCount = 0;

/**
 * A long-running process group. Its stdout and stderr go to one log file, not to a Node pipe: Node's pipes are
 * sockets, and programs that reopen /dev/stderr (nginx's `error_log /dev/stderr`) fail on a socket (ENXIO),
 * while a container's output is a pipe or a file.
 */
export class ProcessGroup {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly logFile: string;
  private done = false;
  private failure = '';

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    stdin: 'pipe' | 'ignore' = 'ignore',
    cwd?: string,
  ) {
    logFolder ??= mkdtempSync(join(tmpdir(), 'task-simulation-logs-'));
    this.logFile = join(logFolder, `${++logCount}.log`);
    // Writable by the container's user, who reopens it as /dev/stdout; the folder stays private (0700).
    const output = openSync(this.logFile, 'a', 0o666);
    fchmodSync(output, 0o666);
    this.child = spawn(command, args, { cwd, env, detached: true, stdio: [stdin, output, output] });
    closeSync(output);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      });
      this.child.on('error', (error) => {
        this.failure = `\n${label}: ${error.message}`;
        this.done = true;
        resolve({ code: -1, signal: null });
      });
    });
    groups.add(this);
    void this.exited.then(() => {
      groups.delete(this);
      this.child.stdin?.destroy();
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} did not start: ${this.logs()}`);
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  logs(): string {
    return (existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '') + this.failure;
  }

  /** Waits until the output contains `text` (or the process ends). */
  async waitForOutput(text: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof text === 'string' ? this.logs().includes(text) : text.test(this.logs()));
    while (!found()) {
      if (!this.running) throw new Error(`${this.label} exited before printing ${text}:\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`${this.label} did not print ${text} within ${timeoutMs} ms:\n${this.logs()}`);
      await sleep(20);
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** SIGKILL to the whole group (workers included) and wait for the leader. */
  async kill(): Promise<void> {
    killGroup(this);
    await within(this.exited, 5_000);
  }

  /** ECS's stop: SIGTERM (or `signal`), then SIGKILL after the stop timeout; the rest of the group is killed either way. */
  async stop(timeoutMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.signal(signal);
    await within(this.exited, timeoutMs);
    await this.kill();
  }
}

const groups = new Set<ProcessGroup>();
const mounts = new Set<string>();

function killGroup(group: ProcessGroup) {
  if (group.child.pid === undefined) return;
  try {
    process.kill(-group.child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every 100 ms until it returns something other than undefined, and returns that. After
 * `patienceMs` (long enough for a slow machine; not a claim about what is awaited) it fails naming `what`, followed
 * by what `context` tells (a process's output).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { patienceMs: number; context?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.patienceMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}:\n${options.context?.() ?? ''}`);
    await sleep(100);
  }
}

/** Waits for `promise` at most `ms`; the timer is cleared, so nothing is left pending for Jest. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A tmpfs scratch folder for layers, container roots, volumes and the database. */
export function createScratch(prefix = 'task-simulation-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const result = execFileSyncQuiet('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', folder]);
  if (result) throw new Error(`cannot mount a tmpfs on ${folder}: ${result}`);
  mounts.add(folder);
  return folder;
}

export function scratchFolder(scratch: string, ...parts: string[]): string {
  const folder = join(scratch, ...parts);
  mkdirSync(folder, { recursive: true });
  return folder;
}

function execFileSyncQuiet(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

/** Kills every process group started here and removes every scratch folder. Safe to call twice. */
export async function teardown(): Promise<void> {
  const all = [...groups];
  all.forEach(killGroup);
  await Promise.all(all.map((group) => within(group.exited, 5_000)));
  for (const folder of mounts) {
    execFileSyncQuiet('umount', ['--lazy', folder]);
    rmSync(folder, { recursive: true, force: true });
    mounts.delete(folder);
  }
  if (logFolder) rmSync(logFolder, { recursive: true, force: true });
  logFolder = undefined;
}

process.on('exit', () => {
  groups.forEach(killGroup);
  for (const folder of mounts) execFileSyncQuiet('umount', ['--lazy', folder]);
});
