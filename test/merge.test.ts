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
    expect(mergeYaml(base, base, base)).toEqual({ text: base, changed: false });
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
