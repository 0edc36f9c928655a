/**
 * The runtime dependencies the ECS task needs (gunicorn and a PostgreSQL driver, pinned in versions.ts; with media on
 * S3, django-storages and boto3): a new project's requirements.txt, and what a team's own requirements lack. Only
 * appended to theirs: no line of theirs is reordered, dropped or re-pinned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VERSIONS } from './versions.js';

const HAS_GUNICORN = /^\s*["']?gunicorn\b/im;
const HAS_DRIVER = /^\s*["']?psycopg(?:2|2-binary)?\b/im;
const HAS_CELERY = /^\s*["']?celery\b/im;
// redis itself, or Celery's redis extra (`celery[redis]`, `celery[redis,sqs]`).
const HAS_REDIS = /^\s*["']?(?:redis\b|celery\s*\[[^\]]*\bredis\b)/im;
const INCLUDE = /^\s*-r\s+(\S+)/gm;
const HAS_STORAGES = /^\s*["']?django-storages\b/im;
const HAS_BOTO3 = /^\s*["']?boto3\b/im;

/** A requirements file with every file it includes (`-r base.txt`), as one text. */
export function requirementsWithIncludes(path: string, seen = new Set<string>()): string {
  if (seen.has(path) || !existsSync(path)) return '';
  seen.add(path);
  const text = readFileSync(path, 'utf8');
  const included = [...text.matchAll(INCLUDE)].map((match) => requirementsWithIncludes(join(dirname(path), match[1]), seen));
  return [text, ...included].join('\n');
}

/** What the answers add to the task's own needs: the Celery worker (--worker celery) runs Celery on Redis. */
export interface RequirementOptions {
  worker?: boolean;
  /** Uploads on S3 (--media s3): django-storages' S3 backend and boto3. */
  media?: boolean;
}

export function missingRequirements(allRequirements: string, djangoVersion: string | undefined, options: RequirementOptions = {}): string[] {
  const missing: string[] = [];
  if (!HAS_GUNICORN.test(allRequirements)) missing.push(VERSIONS.gunicorn.requirement);
  if (!HAS_DRIVER.test(allRequirements)) {
    // Django supports psycopg 3 from a release on (versions.ts); older projects get psycopg2.
    const [major, minor] = (djangoVersion ?? VERSIONS.django.release).split('.').map(Number);
    const [fromMajor, fromMinor] = VERSIONS.psycopg.fromDjango.split('.').map(Number);
    missing.push(major > fromMajor || (major === fromMajor && minor >= fromMinor) ? VERSIONS.psycopg.requirement : VERSIONS.psycopg2.requirement);
  }
  if (options.worker) {
    if (!HAS_CELERY.test(allRequirements)) missing.push(VERSIONS.celery.requirement);
    else if (!HAS_REDIS.test(allRequirements)) missing.push(VERSIONS.celery.redisRequirement);
  }
  if (options.media && !HAS_STORAGES.test(allRequirements)) missing.push(VERSIONS.djangoStorages.requirement);
  if (options.media && !HAS_BOTO3.test(allRequirements)) missing.push(VERSIONS.boto3.requirement);
  return missing;
}

/** A new project's requirements.txt (and a team's project that has none): the Django release it starts on, and what the task runs. */
export function newProjectRequirements(options: RequirementOptions = {}): string[] {
  return [VERSIONS.django.requirement, ...missingRequirements('', VERSIONS.django.release, options)];
}

const NOTE = 'Added by generator-copilot-django: the ECS task runs gunicorn and talks to PostgreSQL.';

/** Appends to a requirements.txt, or into `[project] dependencies` of a pyproject.toml. */
export function addRequirements(text: string, kind: 'txt' | 'pyproject', additions: string[]): string {
  if (additions.length === 0) return text;
  if (kind === 'txt') {
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${separator}# ${NOTE}\n${additions.join('\n')}\n`;
  }
  const start = /^(\s*)dependencies\s*=\s*\[/m.exec(text);
  if (!start) throw new Error('pyproject.toml has no `dependencies = [` list to add gunicorn and psycopg to');
  const close = text.indexOf(']', start.index + start[0].length);
  const inside = text.slice(start.index + start[0].length, close);
  if (inside.includes('\n')) {
    const indent = /\n(\s+)\S/.exec(inside)?.[1] ?? '    ';
    const body = inside.replace(/\s*$/, '');
    const comma = body.trim() === '' || body.trimEnd().endsWith(',') ? '' : ',';
    const added = additions.map((line) => `\n${indent}"${line}",`).join('');
    return `${text.slice(0, start.index + start[0].length)}${body}${comma}\n${indent}# ${NOTE}${added}\n${text.slice(close)}`;
  }
  const items = inside.trim().replace(/,$/, '');
  const added = additions.map((line) => `"${line}"`).join(', ');
  return `${text.slice(0, start.index + start[0].length)}${items ? `${items}, ` : ''}${added}${text.slice(close)}`;
}
