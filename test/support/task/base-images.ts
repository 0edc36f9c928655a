/**
 * What a Dockerfile's `FROM` image gives that this Debian machine does not have at the same place. Each model is
 * one thin layer laid over this machine's `/`: the image's accounts (so that `USER` and `useradd` resolve as in
 * the image), its commands and symlinks, its ENV, ENTRYPOINT and CMD. Packages the image would install with pip
 * are Debian's (python3-django, gunicorn, python3-psycopg2 for psycopg): `pipStandIns` names them.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface BaseImage {
  /** The images this model stands for, e.g. `python:3.12-slim-bookworm`. */
  matches: RegExp;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  accounts: Account[];
  symlinks: Record<string, string>;
  files: Record<string, { content: string; mode: number }>;
}

const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const BASE_IMAGES: BaseImage[] = [
  {
    // docker-library/python, Debian variants: Python in /usr/local/bin, first on PATH.
    matches: /^(docker\.io\/)?(library\/)?python:/,
    env: { PATH: `/usr/local/bin:${DEBIAN_PATH}`, LANG: 'C.UTF-8' },
    entrypoint: [],
    cmd: ['python3'],
    accounts: [],
    // `python` and `python3` resolve to Debian's interpreter, which has Django, gunicorn and psycopg2.
    symlinks: { '/usr/local/bin/python': '/usr/bin/python3', '/usr/local/bin/python3': '/usr/bin/python3' },
    files: {
      // The console script `pip install celery` writes; Debian's python3-celery has the module but not the command.
      '/usr/local/bin/celery': { content: '#!/usr/local/bin/python\nimport sys\nfrom celery.__main__ import main\nsys.exit(main())\n', mode: 0o755 },
    },
  },
  {
    // docker-library/nginx, Alpine variants: user nginx (101:101), logs linked to the container's output.
    matches: /^(docker\.io\/)?(library\/)?nginx:/,
    env: { PATH: DEBIAN_PATH },
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['nginx', '-g', 'daemon off;'],
    accounts: [{ name: 'nginx', uid: 101, gid: 101, home: '/var/cache/nginx', shell: '/sbin/nologin' }],
    symlinks: { '/var/log/nginx/access.log': '/dev/stdout', '/var/log/nginx/error.log': '/dev/stderr' },
    files: {
      // The image's entrypoint runs /docker-entrypoint.d/ scripts: they render /etc/nginx/templates (none here),
      // edit conf.d/default.conf (not included by our nginx.conf) or tune workers when asked by variables
      // (none set). For this project each is a no-op, so the stand-in only runs the command.
      '/docker-entrypoint.sh': { content: '#!/bin/sh\nset -e\nexec "$@"\n', mode: 0o755 },
    },
  },
];

export function baseImageFor(image: string): BaseImage {
  const model = BASE_IMAGES.find((base) => base.matches.test(image));
  if (!model) throw new Error(`FROM ${image}: no model of this base image in test/support/task/base-images.ts`);
  return model;
}

/** The image's system accounts: Debian's static ones (uid < 100, nobody), none of this machine's users. */
function accountFiles(accounts: Account[]): Record<string, string> {
  const keep = (file: string, idField: number) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => {
        const id = Number(line.split(':')[idField]);
        return line && (id < 100 || id === 65534);
      });
  const passwd = keep('/etc/passwd', 2);
  const group = keep('/etc/group', 2);
  const names = new Set(passwd.map((line) => line.split(':')[0]));
  const groupNames = new Set(group.map((line) => line.split(':')[0]));
  const shadow = readFileSync('/etc/shadow', 'utf8').split('\n').filter((line) => names.has(line.split(':')[0]));
  const gshadow = readFileSync('/etc/gshadow', 'utf8').split('\n').filter((line) => groupNames.has(line.split(':')[0]));
  for (const account of accounts) {
    passwd.push(`${account.name}:x:${account.uid}:${account.gid}:${account.name}:${account.home}:${account.shell}`);
    group.push(`${account.name}:x:${account.gid}:`);
    shadow.push(`${account.name}:!:19000::::::`);
    gshadow.push(`${account.name}:!::`);
  }
  const text = (lines: string[]) => `${lines.join('\n')}\n`;
  return { '/etc/passwd': text(passwd), '/etc/group': text(group), '/etc/shadow': text(shadow), '/etc/gshadow': text(gshadow) };
}

/** Writes the model's layer into `layer`. */
export function writeBaseLayer(model: BaseImage, layer: string): void {
  const files = { ...model.files };
  for (const [path, content] of Object.entries(accountFiles(model.accounts))) {
    files[path] = { content, mode: path.includes('shadow') ? 0o640 : 0o644 };
  }
  for (const [path, { content, mode }] of Object.entries(files)) {
    mkdirSync(dirname(join(layer, path)), { recursive: true });
    writeFileSync(join(layer, path), content, { mode });
  }
  for (const [path, target] of Object.entries(model.symlinks)) {
    mkdirSync(dirname(join(layer, path)), { recursive: true });
    symlinkSync(target, join(layer, path));
  }
  for (const account of model.accounts) mkdirSync(join(layer, account.home), { recursive: true });
}

/**
 * `pip install` cannot run here: each requirement maps to the module Debian's python3 must import instead.
 * psycopg (3) has no Debian package in bookworm; Django uses psycopg2 when psycopg is absent.
 */
export const PIP_STAND_INS: Record<string, string> = {
  django: 'django',
  gunicorn: 'gunicorn',
  psycopg: 'psycopg2',
  'psycopg-binary': 'psycopg2',
  psycopg2: 'psycopg2',
  'psycopg2-binary': 'psycopg2',
  whitenoise: 'whitenoise',
  'python-decouple': 'decouple',
  'django-environ': 'environ',
  // The Celery worker (--worker celery): python3-celery and python3-redis.
  celery: 'celery',
  redis: 'redis',
  // Uploads on S3 (--media s3): python3-django-storages and python3-boto3.
  'django-storages': 'storages',
  boto3: 'boto3',
};
