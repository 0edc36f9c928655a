/** What a run does with each file, decided from what it writes, what is there and what the last run wrote. */
import { compareVersions, contentHash, readRecord, reconcile, removal, type FileFacts, type Written } from '../generators/shared/reconcile.js';

const GENERATED_V1 = 'workers = 2\n';
const GENERATED_V2 = 'workers = 3\n';
const EDITED = 'workers = 2\nthreads = 8\n';
const recorded = (text: string): Written => ({ hash: contentHash(text), text });
const hashOnly = (text: string): Written => ({ hash: contentHash(text) });
const textOnly = (text: string): Written => ({ text });

describe('files that are not merged', () => {
  test.each<[string, FileFacts, string]>([
    ['absent: created', { next: GENERATED_V2 }, 'create'],
    ['already what the generator writes: kept', { next: GENERATED_V2, mine: GENERATED_V2, written: recorded(GENERATED_V1) }, 'keep'],
    ['as the last run wrote it (record): updated', { next: GENERATED_V2, mine: GENERATED_V1, written: recorded(GENERATED_V1) }, 'update'],
    ['as the last run wrote it, known by the hash alone: updated', { next: GENERATED_V2, mine: GENERATED_V1, written: hashOnly(GENERATED_V1) }, 'update'],
    ['as a version that recorded nothing wrote it (its templates): updated', { next: GENERATED_V2, mine: GENERATED_V1, written: textOnly(GENERATED_V1) }, 'update'],
    ['edited, the generator has nothing new: kept', { next: GENERATED_V1, mine: EDITED, written: recorded(GENERATED_V1) }, 'keep'],
    ['edited, the generator changed it too: a conflict', { next: GENERATED_V2, mine: EDITED, written: recorded(GENERATED_V1) }, 'conflict'],
    ['edited, what was written unknown beyond its hash: a conflict', { next: GENERATED_V1, mine: EDITED, written: hashOnly(GENERATED_V1) }, 'conflict'],
    ['there before any run: a conflict', { next: GENERATED_V2, mine: EDITED }, 'conflict'],
    ['a hash that does not match: edited, whatever the text says', { next: GENERATED_V2, mine: GENERATED_V1, written: { hash: contentHash('other'), text: GENERATED_V1 } }, 'conflict'],
  ])('%s', (_case, facts, action) => {
    const decision = reconcile(facts);
    expect(decision.action).toBe(action);
    if (action === 'create' || action === 'update' || action === 'conflict') expect(decision).toMatchObject({ text: facts.next });
  });
});

describe('YAML files', () => {
  const v1 = 'image:\n  port: 8000\ncount: 1\n';
  const v2 = 'image:\n  port: 8000\ncount: 2\nexec: false\n';
  const yaml = (mine: string | undefined, written?: Written): FileFacts => ({ merge: 'yaml', next: v2, mine, written });

  test('as written: replaced whole, comments and order of the new version included', () => {
    expect(reconcile(yaml(v1, recorded(v1)))).toEqual({ action: 'update', text: v2 });
  });

  test("edited elsewhere: the generator's changes merged in, the user's key kept", () => {
    const decision = reconcile(yaml('image:\n  port: 8000\ncount: 1\nvariables:\n  FLAG: on\n', recorded(v1)));
    expect(decision).toEqual({ action: 'merge', text: 'image:\n  port: 8000\ncount: 2\nvariables:\n  FLAG: on\nexec: false\n', conflicts: [] });
  });

  test("both changed a value: the user's stays and is a conflict, unless taken", () => {
    const facts = yaml('image:\n  port: 8000\ncount: 5\n', recorded(v1));
    const kept = reconcile(facts);
    expect(kept).toMatchObject({ action: 'merge', conflicts: [{ path: 'count', mine: 5, next: 2 }] });
    expect(kept.action === 'merge' && kept.text).toContain('count: 5');
    const taken = reconcile(facts, (path) => path === 'count');
    expect(taken.action === 'merge' && taken.text).toContain('count: 2');
  });

  test('what was written unknown beyond its hash: every value that differs is a conflict, the user keeps it', () => {
    const decision = reconcile(yaml('image:\n  port: 8000\ncount: 1\nvariables: {}\n', hashOnly(v1)));
    expect(decision).toMatchObject({ action: 'merge', conflicts: [{ path: 'count', mine: 1, next: 2 }] });
  });
});

describe('appended files', () => {
  test('lines the user lacks are appended; none missing, nothing written', () => {
    expect(reconcile({ merge: 'lines', next: 'a\nb\n', mine: 'a\n' })).toMatchObject({ action: 'merge', text: 'a\n\n# Added by generator-copilot-django\nb\n' });
    expect(reconcile({ merge: 'lines', next: 'a\n', mine: 'b\na\n' })).toEqual({ action: 'keep', conflicts: [] });
  });

  test("the guide's section: appended once to the user's README, created when there is none", () => {
    const section = '## Deploying to AWS\nSee [copilot/README.md](copilot/README.md).\n';
    expect(reconcile({ merge: 'section', next: section, mine: '# Shop\n' })).toMatchObject({ action: 'merge', text: `# Shop\n\n${section}` });
    expect(reconcile({ merge: 'section', next: section, mine: `# Shop\n\n${section}` })).toEqual({ action: 'keep', conflicts: [] });
    expect(reconcile({ merge: 'section', next: section })).toMatchObject({ action: 'create', text: section });
  });
});

test.each<[string, string | undefined, Written | undefined, string]>([
  ['absent', undefined, recorded(GENERATED_V1), 'gone'],
  ['as written', GENERATED_V1, recorded(GENERATED_V1), 'delete'],
  ['as a version that recorded nothing wrote it', GENERATED_V1, textOnly(GENERATED_V1), 'delete'],
  ['edited', EDITED, recorded(GENERATED_V1), 'changed'],
  ['nothing known of what was written', GENERATED_V1, undefined, 'changed'],
])("a removed environment's file, %s", (_case, mine, written, expected) => {
  expect(removal(mine, written)).toBe(expected);
});

describe('the record in .yo-rc.json', () => {
  test('a project the first release wrote has its version and no hashes', () => {
    expect(readRecord({ app: 'demo' }, '0.1.0')).toEqual({ version: '0.1.0', written: new Map() });
  });

  test.each([
    [{ version: 2 }, '"version" must be the generator\'s version that wrote the project, like "0.2.0" (found 2)'],
    [{ version: '0.2.0', written: { 'a.txt': 'abc' } }, '"written" must map each file the generator wrote to its "sha256:<hex>" hash'],
    [{ version: '0.2.0', written: ['a.txt'] }, '"written" must map each file'],
  ])('%j is refused, saying what it must be', (stored, message) => {
    expect(() => readRecord(stored, '0.1.0')).toThrow(message);
  });

  test.each([
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.1', 1],
    ['1.0.0', '1.0.0', 0],
    ['0.2.0-rc.1', '0.2.0', 0],
  ])('version %s against %s: %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});
