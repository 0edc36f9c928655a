/**
 * Runs the shipped command with some of its standard streams on a pseudo-terminal, as a user at a terminal runs it
 * (Python's pty module drives it: Node has none). What the command writes to a pseudo-terminal stream is returned as
 * `terminal`; a stream not on the terminal is a pipe (`stderr`, `stdout`) or closed (stdin).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PYTHON } from './programs.js';
import { CLI } from './generate.js';

export type Stream = 'stdin' | 'stdout' | 'stderr';

export interface TerminalRun {
  args: string[];
  cwd: string;
  /** Streams on the pseudo-terminal; the others are pipes. */
  tty: Stream[];
  env?: Record<string, string | undefined>;
  /** Once the terminal shows `after`, the keys typed (`\x03` is Ctrl-C). */
  type?: { after: string; keys: string };
}

export interface TerminalResult {
  code: number;
  terminal: string;
  stdout: string;
  stderr: string;
}

const DRIVER = String.raw`
import json, os, pty, select, subprocess, sys
spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
def stream(name, closed):
    return slave if name in spec['tty'] else closed
proc = subprocess.Popen(spec['argv'], cwd=spec['cwd'], env=spec['env'], start_new_session=True,
    stdin=stream('stdin', subprocess.DEVNULL), stdout=stream('stdout', subprocess.PIPE), stderr=stream('stderr', subprocess.PIPE))
os.close(slave)
out = {'terminal': b'', 'stdout': b'', 'stderr': b''}
pipes = {p.fileno(): name for name, p in (('stdout', proc.stdout), ('stderr', proc.stderr)) if p}
typed = spec.get('type')
open_fds = [master, *pipes]
while open_fds:
    ready, _, _ = select.select(open_fds, [], [], 60)
    if not ready:
        proc.kill()
        break
    for fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            open_fds.remove(fd)
            continue
        key = 'terminal' if fd == master else pipes[fd]
        out[key] += data
        if typed and fd == master and typed['after'].encode() in out['terminal']:
            os.write(master, typed['keys'].encode())
            typed = None
    if proc.poll() is not None and master in open_fds and not select.select([master], [], [], 0.2)[0]:
        open_fds.remove(master)
code = proc.wait()
print(json.dumps({'code': code if code >= 0 else 128 - code, **{k: v.decode('utf-8', 'replace') for k, v in out.items()}}))
`;

/** The shipped command (package.json's `bin`) run as `run` says. */
export async function runInTerminal(run: TerminalRun): Promise<TerminalResult> {
  const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, TERM: 'xterm-256color', ...run.env };
  const spec = { argv: [process.execPath, CLI, ...run.args], cwd: run.cwd, tty: run.tty, env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)), type: run.type };
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', DRIVER, JSON.stringify(spec)], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as TerminalResult;
}
