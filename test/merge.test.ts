import { decideText, mergeYaml } from '../generators/shared/merge.js';
import { parse } from 'yaml';

const base = `# service
name: django
count: 1
variables:
  A: "1"
environments:
  dev:
    count: 1
`;

describe('mergeYaml', () => {
  test('an unchanged file with nothing new stays byte for byte', () => {
    expect(mergeYaml(base, base, base)).toEqual({ text: base, changed: false, conflicts: [] });
  });

  test('keeps a comment, a key and a value the user added or changed, and adds what is new', () => {
    const mine = base.replace('count: 1\nvariables', '# two tasks, decided in the review\ncount: 2\nvariables').replace('  A: "1"\n', '  A: "1"\n  MINE: yes\n');
    const next = `${base}  staging:\n    count: 1\n`;
    const { text, changed } = mergeYaml(base, mine, next);
    expect(changed).toBe(true);
    expect(text).toContain('# two tasks, decided in the review\ncount: 2\n');
    expect(text).toContain('# service\n');
    const merged = parse(text);
    expect(merged.variables).toEqual({ A: '1', MINE: 'yes' });
    expect(merged.environments).toEqual({ dev: { count: 1 }, staging: { count: 1 } });
  });

  test('follows the generator where the user kept the generated value', () => {
    const next = base.replace('  dev:\n    count: 1', '  dev:\n    count:\n      spot: 1');
    const merged = parse(mergeYaml(base, base, next).text);
    expect(merged.environments.dev.count).toEqual({ spot: 1 });
  });

  test("keeps the user's value where the user changed what the generator now changes", () => {
    const mine = base.replace('  dev:\n    count: 1', '  dev:\n    count: 3');
    const next = base.replace('  dev:\n    count: 1', '  dev:\n    count:\n      spot: 1');
    expect(parse(mergeYaml(base, mine, next).text).environments.dev.count).toBe(3);
  });

  test('a key the user deleted stays deleted', () => {
    const mine = base.replace('variables:\n  A: "1"\n', '');
    const merged = mergeYaml(base, mine, base);
    expect(merged.changed).toBe(false);
    expect(parse(merged.text).variables).toBeUndefined();
  });

  test('a key the generator no longer writes goes only if the user left it as generated', () => {
    const next = base.replace('  dev:\n    count: 1\n', '  {}\n').replace('environments:\n  {}\n', '');
    expect(parse(mergeYaml(base, base, next).text).environments).toBeUndefined();
    const mine = base.replace('  dev:\n    count: 1', '  dev:\n    count: 5');
    expect(parse(mergeYaml(base, mine, next).text).environments).toEqual({ dev: { count: 5 } });
  });

  test('refuses to merge into a file that is not YAML', () => {
    expect(() => mergeYaml(base, 'a: [', base)).toThrow(/not valid YAML/);
  });
});

describe('mergeYaml conflicts: where both sides changed a value since the last run', () => {
  // base: what was written last time; mine: the user's file; next: what the generator writes now.
  test.each<[string, string, string, string, Array<{ path: string; mine: unknown; next: unknown }>, unknown]>([
    ['the user changed a value the generator left: no conflict, theirs kept', 'a: 1\n', 'a: 3\n', 'a: 1\n', [], 3],
    ['the generator changed a value the user left: no conflict, the new one taken', 'a: 1\n', 'a: 1\n', 'a: 2\n', [], 2],
    ['both changed it to the same value: no conflict', 'a: 1\n', 'a: 2\n', 'a: 2\n', [], 2],
    ['both changed it differently: a conflict, theirs kept', 'a: 1\n', 'a: 3\n', 'a: 2\n', [{ path: 'a', mine: 3, next: 2 }], 3],
    [
      'a user count and the generator now writing Spot: a conflict at the nested key',
      'environments:\n  dev:\n    count: 1\n',
      'environments:\n  dev:\n    count: 3\n',
      'environments:\n  dev:\n    count:\n      range: {min: 1, max: 1, spot_from: 1}\n',
      [{ path: 'environments.dev.count', mine: 3, next: { range: { min: 1, max: 1, spot_from: 1 } } }],
      { environments: { dev: { count: 3 } } },
    ],
    ['the user deleted a value the generator changed: a conflict, it stays deleted', 'a: 1\nb: 1\n', 'b: 1\n', 'a: 2\nb: 1\n', [{ path: 'a', mine: undefined, next: 2 }], undefined],
    ['the user deleted a value the generator left: no conflict', 'a: 1\nb: 1\n', 'b: 1\n', 'a: 1\nb: 1\n', [], undefined],
    ['a key both added with different values: a conflict', 'b: 1\n', 'a: x\nb: 1\n', 'a: y\nb: 1\n', [{ path: 'a', mine: 'x', next: 'y' }], 'x'],
    ['no history (a file of the user\'s): a differing value is a conflict', '', 'a: 1\n', 'a: 2\n', [{ path: 'a', mine: 1, next: 2 }], 1],
  ])('%s', (_name, baseText, mine, next, conflicts, kept) => {
    const merged = mergeYaml(baseText === '' ? undefined : baseText, mine, next);
    expect(merged.conflicts).toEqual(conflicts);
    const value = parse(merged.text) as Record<string, unknown>;
    if (typeof kept === 'object' && kept !== null) expect(value).toEqual(kept);
    else expect(value.a).toEqual(kept);
  });

  test('take chooses the generator\'s value at the paths it names, and only there', () => {
    const base2 = 'a: 1\nb: 1\n';
    const mine = 'a: 3\nb: 3\n';
    const next = 'a: 2\nb: 2\n';
    const merged = mergeYaml(base2, mine, next, (path) => path === 'b');
    expect(merged.conflicts.map((conflict) => conflict.path)).toEqual(['a', 'b']);
    expect(parse(merged.text)).toEqual({ a: 3, b: 2 });
  });
});

describe('decideText', () => {
  test.each([
    ['a new file is written', undefined, undefined, 'new', 'write'],
    ['an untouched file takes the new text', 'old', 'old', 'new', 'write'],
    ['an edited file the generator has nothing new for is kept', 'old', 'edited', 'old', 'keep'],
    ['an edited file the generator changes goes to conflict handling', 'old', 'edited', 'new', 'conflict'],
    ['an existing file without history goes to conflict handling', undefined, 'theirs', 'new', 'conflict'],
  ])('%s', (_name, baseText, mine, next, decision) => {
    expect(decideText(baseText, mine, next)).toBe(decision);
  });
});
