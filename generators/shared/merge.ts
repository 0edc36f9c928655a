/**
 * Three-way merge, so a re-run never loses what the user wrote.
 *   base: what the generator wrote last time (re-rendered from the answers stored in `.yo-rc.json`),
 *   mine: the file as it is now (the user's edits),
 *   next: what the generator would write now.
 * A value the user left as generated follows the generator; a value the user changed, added or deleted stays as
 * the user has it; what the generator adds is added. YAML is merged as documents (comments and key order kept).
 * Where both changed the same value differently (or the user deleted what the generator changes), that is a conflict:
 * the merge keeps the user's value and lists it, unless the caller chose to take the generator's (`take`).
 */
import { isMap, isScalar, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

type Content = Node | null | undefined;

function plain(node: Content): unknown {
  return node === undefined ? undefined : node === null ? null : node.toJSON();
}

function same(a: Content, b: Content): boolean {
  return JSON.stringify(plain(a)) === JSON.stringify(plain(b));
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function pairOf(map: YAMLMap | undefined, key: string): Pair | undefined {
  return map?.items.find((pair) => keyOf(pair as Pair) === key) as Pair | undefined;
}

/** A value both the user and the generator changed since the last run: `path` is its keys, dot-joined. */
export interface YamlConflict {
  path: string;
  /** The user's value (undefined: deleted by the user), and the generator's. */
  mine: unknown;
  next: unknown;
}

interface MergeState {
  changed: boolean;
  conflicts: YamlConflict[];
  take: (path: string) => boolean;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Merges `next` into `mine` in place (maps) or returns the value to keep; records changes and conflicts. */
function mergeNode(base: Content, mine: Content, next: Content, state: MergeState, path = ''): Content {
  if (isMap(mine) && isMap(next)) {
    const baseMap = isMap(base) ? base : undefined;
    for (const nextPair of next.items as Pair[]) {
      const key = keyOf(nextPair);
      const minePair = pairOf(mine, key);
      const basePair = pairOf(baseMap, key);
      if (!minePair) {
        // Absent here: new from the generator, or deleted by the user (then it stays deleted, unless the generator
        // changed it meanwhile: a conflict).
        const deletedAndChanged = basePair && !same(basePair.value as Content, nextPair.value as Content);
        if (deletedAndChanged) state.conflicts.push({ path: join(path, key), mine: undefined, next: plain(nextPair.value as Content) });
        if (!basePair || (deletedAndChanged && state.take(join(path, key)))) {
          mine.items.push(nextPair);
          state.changed = true;
        }
        continue;
      }
      const merged = mergeNode(basePair?.value as Content, minePair.value as Content, nextPair.value as Content, state, join(path, key));
      if (merged !== minePair.value) {
        minePair.value = merged;
        state.changed = true;
      }
    }
    // What the generator no longer writes goes only if the user had left it as generated.
    for (const basePair of (baseMap?.items ?? []) as Pair[]) {
      const key = keyOf(basePair);
      if (pairOf(next, key)) continue;
      const minePair = pairOf(mine, key);
      if (minePair && same(minePair.value as Content, basePair.value as Content)) {
        mine.items.splice(mine.items.indexOf(minePair), 1);
        state.changed = true;
      }
    }
    return mine;
  }
  // A scalar, a list, or a change of shape: the generator's value where the user kept the previous one. Where the
  // user set a value of their own and the generator now writes yet another (changed since last time, or new), both
  // changed it: a conflict.
  if (base !== undefined && same(mine, base) && !same(mine, next)) return next;
  if (!same(mine, next) && (base === undefined || !same(next, base))) {
    state.conflicts.push({ path, mine: plain(mine), next: plain(next) });
    if (state.take(path)) return next;
  }
  return mine;
}

/** `environments.dev.count: yours 3, the generator's {"range":…}` (a deleted value: "yours deleted"). */
export function describeConflict(conflict: YamlConflict): string {
  const shown = (value: unknown) => (value === undefined ? 'deleted' : JSON.stringify(value));
  return `${conflict.path}: yours ${shown(conflict.mine)}, the generator's ${shown(conflict.next)}`;
}

export interface YamlMergeResult {
  text: string;
  changed: boolean;
  /** Values both sides changed; `mine` holds the user's unless `take` chose the generator's. */
  conflicts: YamlConflict[];
}

/**
 * Merges YAML texts; `text` is `mine` unchanged byte for byte when nothing was merged in. `take` says, per conflict
 * path, whether the generator's value replaces the user's (--force, or a yes at the prompt); by default never.
 */
export function mergeYaml(base: string | undefined, mine: string, next: string, take: (path: string) => boolean = () => false): YamlMergeResult {
  const mineDocument: Document = parseDocument(mine);
  if (mineDocument.errors.length > 0) {
    throw new Error(`cannot merge into a file that is not valid YAML: ${mineDocument.errors[0].message}`);
  }
  const nextDocument = parseDocument(next);
  const baseDocument = base === undefined ? undefined : parseDocument(base);
  const state: MergeState = { changed: false, conflicts: [], take };
  const merged = mergeNode(baseDocument?.contents as Content, mineDocument.contents as Content, nextDocument.contents as Content, state);
  if (merged !== mineDocument.contents) {
    mineDocument.contents = merged as Document['contents'];
    state.changed = true;
  }
  const text = state.changed ? mineDocument.toString({ lineWidth: 0 }) : mine;
  return { text, changed: state.changed, conflicts: state.conflicts };
}

/** The lines of `next` that `mine` lacks (blank lines and comments aside), appended; undefined when none. */
export function appendMissingLines(mine: string, next: string): string | undefined {
  const present = new Set(mine.split('\n').map((line) => line.trim()));
  const missing = next.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#') && !present.has(line.trim()));
  if (missing.length === 0) return undefined;
  const separator = mine === '' || mine.endsWith('\n') ? '' : '\n';
  return `${mine}${separator}\n# Added by generator-copilot-django\n${missing.join('\n')}\n`;
}

export type TextDecision = 'write' | 'keep' | 'conflict';

/**
 * For files that are not merged: write when the user has not touched the file (or it is new), keep the user's file
 * when the generator has nothing new for it, and leave the rest to Yeoman's conflict handling.
 */
export function decideText(base: string | undefined, mine: string | undefined, next: string): TextDecision {
  if (mine === undefined || mine === next) return 'write';
  if (base !== undefined && mine === base) return 'write';
  if (base !== undefined && next === base) return 'keep';
  return 'conflict';
}
