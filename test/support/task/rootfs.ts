/**
 * A container's root as a mount namespace sees it: an overlay of the image's layers over this machine's `/`
 * (Debian's nginx, python3, Django, gunicorn at their usual paths), a writable container layer on top, a private
 * /tmp, the host's /dev, /proc and /sys, and the volumes bind-mounted at the paths the manifest names.
 * The returned shell script runs inside `unshare --mount` (so nothing leaks into this machine's mounts), then
 * execs the command chrooted, in the working directory, as the user the image names.
 */
import { shellQuote } from './processes.js';

export interface Bind {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface RootSpec {
  /** Image layers, top first; this machine's `/` is added below them. */
  layers: string[];
  upper: string;
  work: string;
  root: string;
  binds: Bind[];
}

export interface ExecSpec {
  workdir: string;
  uid: number;
  gid: number;
  argv: string[];
}

export function rootScript(spec: RootSpec, exec: ExecSpec): string {
  const root = spec.root;
  const at = (path: string) => shellQuote(`${root}${path}`);
  const lines = [
    'set -e',
    `/usr/bin/mount -t overlay overlay -o ${shellQuote(`lowerdir=${[...spec.layers, '/'].join(':')},upperdir=${spec.upper},workdir=${spec.work}`)} ${shellQuote(root)}`,
    `/usr/bin/mount -t tmpfs -o mode=1777 tmpfs ${at('/tmp')}`,
    ...['/dev', '/proc', '/sys'].map((path) => `/usr/bin/mount --rbind ${path} ${at(path)}`),
    ...spec.binds.flatMap((bind) => [
      `/usr/bin/mkdir -p ${at(bind.target)}`,
      `/usr/bin/mount --bind ${shellQuote(bind.source)} ${at(bind.target)}`,
      ...(bind.readOnly ? [`/usr/bin/mount -o remount,bind,ro ${at(bind.target)}`] : []),
    ]),
    [
      'exec /usr/bin/unshare',
      `--root=${shellQuote(root)}`,
      `--wd=${shellQuote(exec.workdir)}`,
      `--setgid ${exec.gid}`,
      `--setuid ${exec.uid}`,
      '--',
      ...exec.argv.map(shellQuote),
    ].join(' '),
  ];
  return lines.join('\n');
}
