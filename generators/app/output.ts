/**
 * What a run prints, and nothing else: the files it created or changed (Yeoman's `create`, `conflict`, `force`
 * lines, except for .yo-rc.json, the generator's own record), its notes and next steps. An error is reported once,
 * by whoever started the run (cli.ts prints `copilot-django: <message>`), so the generator's line announcing it goes.
 */
type Logger = ((...args: unknown[]) => unknown) & Record<string, unknown>;

const FILE_STATUSES = ['create', 'force', 'conflict', 'identical', 'skip'];
const quieted = new WeakSet<object>();

/** Yeoman's lifecycle logs `An error occured while running <namespace>#<method>` before it rethrows the error. */
const TASK_ERROR = /^An error occured while running /;

/** Hides the status line of .yo-rc.json in the environment's logger (the conflicter writes through it). */
export function hideRecordLines(log: Logger): void {
  if (quieted.has(log)) return;
  quieted.add(log);
  for (const status of FILE_STATUSES) {
    const original = log[status];
    if (typeof original !== 'function') continue;
    log[status] = function (this: unknown, ...args: unknown[]) {
      return typeof args[0] === 'string' && /(^|\/)\.yo-rc\.json$/.test(args[0]) ? this : original.apply(this, args);
    };
  }
}

/** The generator's logger without Yeoman's announcement of a failed task; everything else passes through. */
export function withoutTaskErrors<L extends Logger>(log: L): L {
  const quiet = ((...args: unknown[]) => log(...args)) as L;
  Object.setPrototypeOf(quiet, log);
  Object.assign(quiet, {
    error: (...args: unknown[]) => (typeof args[0] === 'string' && TASK_ERROR.test(args[0]) ? quiet : (log.error as (...a: unknown[]) => unknown)(...args)),
  });
  return quiet;
}
