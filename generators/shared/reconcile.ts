/**
 * What a run does with each file it renders, decided from four texts and nothing else (no Yeoman, no disk):
 *   next:    what this run's generator writes,
 *   mine:    the file as it is now (undefined: absent),
 *   written: what the last run's generator wrote there: its hash, recorded in .yo-rc.json, and its text when that
 *            is known exactly (re-rendered from the stored answers with the templates of the version that wrote it,
 *            and equal to the recorded hash when there is one).
 * A file still as it was written takes the new text whole. A changed file keeps the user's edits: YAML is merged
 * as documents against what was written (merge.ts), where both sides changed a value it is a conflict; any other
 * file the generator changes too is a conflict the caller resolves (asks, --force, or keeps the user's and says so).
 */
import { createHash } from 'node:crypto';
import { withGuideSection } from './guide.js';
import { appendMissingLines, mergeYaml, type YamlConflict } from './merge.js';
import type { PlannedFile } from './files.js';
import { AnswersError } from './answers.js';

/** The record's fingerprint of a text: what .yo-rc.json keeps per written file. */
export function contentHash(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export interface Written {
  /** From the record; absent for a project written by a version that recorded nothing. */
  hash?: string;
  /** The exact text, when it could be rendered again (and matches `hash` where there is one). */
  text?: string;
}

export interface FileFacts {
  merge?: PlannedFile['merge'];
  next: string;
  mine?: string;
  written?: Written;
}

export type FileAction =
  /** Absent: the generator's text is written. */
  | { action: 'create'; text: string }
  /** Exactly as the last run wrote it, and the generator writes something else now: replaced whole. */
  | { action: 'update'; text: string }
  /** The user's file with the generator's changes brought in (YAML merged, lines or the guide's section appended). */
  | { action: 'merge'; text: string; conflicts: YamlConflict[] }
  /** Nothing to write: already what the generator writes, or the generator has nothing new for the user's version. */
  | { action: 'keep'; conflicts: YamlConflict[] }
  /** The user and the generator both changed a file that cannot be merged: the caller decides. */
  | { action: 'conflict'; text: string };

/** Whether `mine` is what the last run wrote: by the record's hash, else by the exact text. */
export function untouched(mine: string, written: Written | undefined): boolean {
  if (written?.hash !== undefined) return contentHash(mine) === written.hash;
  return written?.text !== undefined && mine === written.text;
}

/**
 * The decision for one file. `take` says, per YAML conflict path, whether the generator's value replaces the user's
 * (--force, or a yes at the prompt); by default the user's stays.
 */
export function reconcile({ merge, next, mine, written }: FileFacts, take: (path: string) => boolean = () => false): FileAction {
  if (merge === 'section') {
    const text = withGuideSection(mine, next);
    return text === undefined ? { action: 'keep', conflicts: [] } : { action: mine === undefined ? 'create' : 'merge', text, conflicts: [] };
  }
  if (mine === undefined) return { action: 'create', text: next };
  if (mine === next) return { action: 'keep', conflicts: [] };
  if (merge === 'lines') {
    const text = appendMissingLines(mine, next);
    return text === undefined ? { action: 'keep', conflicts: [] } : { action: 'merge', text, conflicts: [] };
  }
  if (untouched(mine, written)) return { action: 'update', text: next };
  if (merge === 'yaml') {
    const merged = mergeYaml(written?.text, mine, next, take);
    return merged.changed ? { action: 'merge', text: merged.text, conflicts: merged.conflicts } : { action: 'keep', conflicts: merged.conflicts };
  }
  if (written?.text !== undefined && next === written.text) return { action: 'keep', conflicts: [] };
  return { action: 'conflict', text: next };
}

/** A file of a removed environment: deleted when it is as written, asked (or kept) when the user changed it. */
export function removal(mine: string | undefined, written: Written | undefined): 'gone' | 'delete' | 'changed' {
  if (mine === undefined) return 'gone';
  return untouched(mine, written) ? 'delete' : 'changed';
}

/** What .yo-rc.json records of the last run, beside its answers: the version that wrote, and a hash per file. */
export interface RunRecord {
  version: string;
  written: Map<string, string>;
}

/**
 * The record of the last run; a project written by the first release, which recorded nothing, gets that version and
 * no hashes. A record broken by hand is refused (the run could not tell your edits from what was written).
 */
export function readRecord(stored: Record<string, unknown>, unrecordedVersion: string): RunRecord {
  const { version = unrecordedVersion, written = {} } = stored;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(version)) {
    throw new AnswersError(`.yo-rc.json is refused: "version" must be the generator's version that wrote the project, like "0.2.0" (found ${JSON.stringify(version)}). Fix or delete it and run again.`);
  }
  const valid = typeof written === 'object' && written !== null && !Array.isArray(written) && Object.values(written).every((hash) => typeof hash === 'string' && /^sha256:[0-9a-f]{64}$/.test(hash));
  if (!valid) {
    throw new AnswersError('.yo-rc.json is refused: "written" must map each file the generator wrote to its "sha256:<hex>" hash. Delete "written" and run again: every file then counts as changed by you, and nothing of yours is overwritten.');
  }
  return { version, written: new Map(Object.entries(written as Record<string, string>)) };
}

/** -1, 0 or 1 as version `a` is older than, the same as or newer than `b` (major.minor.patch; a pre-release tag is ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[-+]/)[0].split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < 3; index++) if (x[index] !== y[index]) return Math.sign(x[index] - y[index]);
  return 0;
}
