/**
 * Reads a Dockerfile the way `docker build` does, as far as the task simulation needs it: line continuations,
 * comments, exec (JSON) and shell forms, `ENV` in both spellings, `COPY` flags, `$VAR` substitution.
 * https://docs.docker.com/reference/dockerfile/
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

export interface Instruction {
  /** Upper-cased keyword: FROM, WORKDIR, COPY, ENV, RUN, USER, EXPOSE, ENTRYPOINT, CMD, ... */
  keyword: string;
  /** The text after the keyword, continuations joined. */
  text: string;
  /** 1-based line of the keyword, for messages. */
  line: number;
}

/** Splits a Dockerfile into instructions (parser directives and comments dropped). */
export function parseDockerfile(source: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = source.split(/\r?\n/);
  let pending: { keyword: string; parts: string[]; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    // A comment line inside a continuation is dropped too, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = /\\\s*$/.test(raw);
    const body = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (!pending) {
      const match = /^\s*(\S+)\s*(.*)$/.exec(body);
      if (!match) return;
      pending = { keyword: match[1].toUpperCase(), parts: [match[2]], line: index + 1 };
    } else {
      pending.parts.push(body.trim());
    }
    if (!continued) {
      instructions.push({ keyword: pending.keyword, text: pending.parts.join(' ').trim(), line: pending.line });
      pending = undefined;
    }
  });
  if (pending) instructions.push({ keyword: pending.keyword, text: pending.parts.join(' ').trim(), line: pending.line });
  return instructions;
}

export function readDockerfile(path: string): Instruction[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** `["a", "b"]` (exec form) as an array; anything else (shell form) as `/bin/sh -c <text>`, as Docker runs it. */
export function commandForm(text: string): { exec: boolean; argv: string[] } {
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return { exec: true, argv: parsed };
    } catch {
      // Not valid JSON: Docker falls back to the shell form.
    }
  }
  return { exec: false, argv: ['/bin/sh', '-c', text] };
}

/** Replaces `$NAME` and `${NAME}` with the build's environment so far, as Docker does in ENV, WORKDIR, COPY... */
export function substitute(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => env[braced ?? bare ?? ''] ?? '');
}

/** Splits shell-like words, honouring double and single quotes and backslash escapes. */
export function words(text: string): string[] {
  const result: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^\s"'\\]|\\.)+)/g;
  let current = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const gap = text.slice(last, match.index);
    if (/\s/.test(gap) && current) {
      result.push(current);
      current = '';
    }
    current += match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3].replace(/\\(.)/g, '$1'));
    last = match.index + match[0].length;
  }
  if (current) result.push(current);
  return result;
}

/** `ENV A=1 B="two words"` and the legacy `ENV A 1`. */
export function envPairs(text: string): [string, string][] {
  if (!/^[^\s=]+=/.test(text)) {
    const [name, ...rest] = text.split(/\s+/);
    return [[name, rest.join(' ')]];
  }
  return words(text).map((word) => {
    const at = word.indexOf('=');
    return [word.slice(0, at), word.slice(at + 1)];
  });
}

export interface CopyInstruction {
  sources: string[];
  destination: string;
  /** `--from=stage`: copies from another image, not from the build context. */
  from?: string;
  chown?: string;
  chmod?: string;
}

export function copyArguments(text: string): CopyInstruction {
  const flags: Record<string, string> = {};
  let rest = text;
  for (let flag = /^--(\w+)=(\S+)\s+/.exec(rest); flag; flag = /^--(\w+)=(\S+)\s+/.exec(rest)) {
    flags[flag[1]] = flag[2];
    rest = rest.slice(flag[0].length);
  }
  const paths = commandForm(rest).exec ? (JSON.parse(rest) as string[]) : words(rest);
  return { sources: paths.slice(0, -1), destination: paths[paths.length - 1], from: flags.from, chown: flags.chown, chmod: flags.chmod };
}

/** `EXPOSE 8000 9000/udp` as numbers (TCP and UDP alike). */
export function exposedPorts(text: string): number[] {
  return words(text).map((port) => Number.parseInt(port, 10));
}

/** A COPY source as a path inside the build context: `./requirements/` → `requirements`, `.` → ''. */
export function contextPath(source: string): string {
  return posix.normalize(source).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}
