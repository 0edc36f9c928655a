/**
 * One file holds the versions of what a generated project runs (generators/shared/versions.ts). The rendered files
 * carry its values, no template holds a version of its own, the script that records Copilot's Lambda facts reads
 * the runtime from it, and the README's figures are its figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { djangoRelease, OLDEST_DJANGO } from '../generators/shared/detect.js';
import { planContext } from '../generators/shared/plan.js';
import { renderFiles } from '../generators/shared/render.js';
import { NO_STATE } from '../generators/shared/rerun.js';
import { pythonImage, VERSIONS } from '../generators/shared/versions.js';
import { parseTemplate } from './support/cloudformation.js';
import { DEMO_ANSWERS, ROOT } from './support/generate.js';

const TEMPLATES = join(ROOT, 'templates');

/** A new project with a pipeline and the environments' database: every template that prints a version is planned. */
const rendered = new Map(renderFiles(planContext(DEMO_ANSWERS, { ...NO_STATE, environmentDatabase: true })).map((file) => [file.destination, file.contents]));
const file = (destination: string): string => {
  const contents = rendered.get(destination);
  if (contents === undefined) throw new Error(`${destination} was not rendered; rendered: ${[...rendered.keys()].join(', ')}`);
  return contents;
};
const fromLines = (dockerfile: string) => dockerfile.split('\n').filter((line) => line.startsWith('FROM '));

/** The Python a Django release of the table runs on. */
const pythonOf = (django: string): string => {
  const entry = VERSIONS.python.byDjango.find(([release]) => release === django);
  if (!entry) throw new Error(`Django ${django} is not in versions.ts's table`);
  return entry[1];
};
const releaseNumber = (release: string) => release.split('.').map(Number) as [number, number];
const compareReleases = (a: string, b: string) => releaseNumber(a)[0] - releaseNumber(b)[0] || releaseNumber(a)[1] - releaseNumber(b)[1];

describe('a rendered project carries the versions of versions.ts', () => {
  test("the Django image runs the Python of the new project's Django release", () => {
    expect(fromLines(file('app/Dockerfile'))).toEqual([`FROM ${pythonImage(pythonOf(VERSIONS.django.release))}`]);
  });

  test('requirements.txt pins Django, gunicorn and psycopg 3 as versions.ts does, and nothing else', () => {
    expect(file('app/requirements.txt')).toBe(`${VERSIONS.django.requirement}\n${VERSIONS.gunicorn.requirement}\n${VERSIONS.psycopg.requirement}\n`);
  });

  test('the nginx sidecar builds on the nginx image', () => {
    expect(fromLines(file('nginx/Dockerfile'))).toEqual([`FROM ${VERSIONS.nginx.image}`]);
  });

  test('the pipeline installs the pinned Copilot and builds on the CodeBuild image', () => {
    expect(parse(file('copilot/pipelines/demo-develop/buildspec.yml')).env.variables.COPILOT_VERSION).toBe(VERSIONS.copilot.version);
    expect(parse(file('copilot/pipelines/demo-develop/manifest.yml')).build.image).toBe(VERSIONS.codebuild.image);
  });

  test("Aurora runs the PostgreSQL major version, and docker-compose.yml's stand-in the same one", () => {
    const addon = parseTemplate(file('copilot/environments/addons/db.yml')) as { Resources: { DBCluster: { Properties: { EngineVersion: string } } } };
    expect(addon.Resources.DBCluster.Properties.EngineVersion).toBe(VERSIONS.postgresql.major);
    expect(parse(file('docker-compose.yml')).services.db.image).toBe(VERSIONS.postgresql.localImage);
    expect(VERSIONS.postgresql.localImage).toBe(`postgres:${VERSIONS.postgresql.major}-alpine`);
  });

  test("the deployment guide names the pinned Copilot, the runtime it renders and the patches' runtime", () => {
    const guide = file('copilot/README.md');
    expect(guide).toContain(`Copilot ${VERSIONS.copilot.version} renders its custom-resource Lambda functions`);
    expect(guide).toContain(`with \`Runtime: ${VERSIONS.copilot.renderedLambdaRuntime}\``);
    expect(guide).toContain(`moving those functions to **${VERSIONS.lambdaRuntime}**`);
  });
});

/** Every template's text, its EJS comments (`<%# … %>`, never rendered) blanked, line numbers kept. */
function templateTexts(root: string): Array<{ template: string; text: string }> {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((path) => ({ template: relative(root, path), text: readFileSync(path, 'utf8').replace(/<%#[\s\S]*?%>/g, (comment) => comment.replace(/[^\n]/g, '')) }));
}

/** What a version written into a template looks like: an image tag, a runtime, a release, a requirement's pin. */
const VERSION_SHAPES: RegExp[] = [
  /\bpython:\d/,
  /\bnginx:\d/,
  /\bpostgres:\d/,
  /\bnodejs\d/,
  /\bstandard:\d/,
  /\bv\d+\.\d+\.\d+\b/,
  /^\s*["']?(?:django|gunicorn|psycopg[\w[\]-]*|whitenoise)\s*(?:==|>=|<=|~=|<|>)/i,
  /\bEngineVersion:\s*["']?\d/,
];

/** Every string of versions.ts long enough to be found only where it was copied (`16`, `3.12` are not). */
const versionStrings = (value: unknown): string[] =>
  typeof value === 'string' ? (value.length > 6 ? [value] : []) : Array.isArray(value) || typeof value === 'object' ? Object.values(value as object).flatMap(versionStrings) : [];

/** The lines of a template tree that hold a version: `template:line: text`. */
function versionLiterals(root: string): string[] {
  const literals = versionStrings(VERSIONS);
  return templateTexts(root).flatMap(({ template, text }) =>
    text
      .split('\n')
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => VERSION_SHAPES.some((shape) => shape.test(line)) || literals.some((literal) => line.includes(literal)))
      .map(({ line, number }) => `${template}:${number}: ${line.trim()}`),
  );
}

/**
 * The CDK app's lockfile is npm's record of what versions.ts's pins resolve to (scripts/infra-lock.mjs writes it);
 * test/cdk.test.ts holds it to those pins and to `npm ci`.
 */
const GENERATED_DATA = ['infra/package-lock.json'];

test('no template holds a version: each prints the plan value that versions.ts feeds', () => {
  expect(versionLiterals(TEMPLATES).filter((line) => !GENERATED_DATA.some((data) => line.startsWith(`${data}:`)))).toEqual([]);
});

describe('versions.ts agrees with itself and with the facts the tests hold', () => {
  test("the new project's Django requirement allows its release, which the Python table knows", () => {
    expect(djangoRelease(VERSIONS.django.requirement)).toBe(VERSIONS.django.release);
    expect(() => pythonOf(VERSIONS.django.release)).not.toThrow();
    expect(() => pythonOf(VERSIONS.psycopg.fromDjango)).not.toThrow();
  });

  test('the Python table goes from the oldest Django release to the newest, the Python never older for a newer Django', () => {
    const table = VERSIONS.python.byDjango;
    expect(table[0][0]).toBe(OLDEST_DJANGO);
    for (let index = 1; index < table.length; index++) {
      expect(compareReleases(table[index][0], table[index - 1][0])).toBeGreaterThan(0);
      expect(compareReleases(table[index][1], table[index - 1][1])).toBeGreaterThanOrEqual(0);
    }
  });

  test("Copilot's code rendered its Lambda functions with the runtime versions.ts names, and the facts were patched to the module's", () => {
    const facts = JSON.parse(readFileSync(join(ROOT, 'test/data/copilot-lambdas.json'), 'utf8')) as { runtime: string; variants: Array<{ renderedRuntimes: string[] }> };
    expect(new Set(facts.variants.flatMap((variant) => variant.renderedRuntimes))).toEqual(new Set([VERSIONS.copilot.renderedLambdaRuntime]));
    expect(facts.runtime).toBe(VERSIONS.lambdaRuntime);
  });

  test('scripts/copilot-lambdas.mjs reads the Lambda runtime from versions.ts', () => {
    const script = readFileSync(join(ROOT, 'scripts/copilot-lambdas.mjs'), 'utf8');
    const line = script.split('\n').find((text) => text.startsWith('const runtime = '));
    expect(line).toContain("'generators/shared/versions.ts'");
    // The script's own line, run against this repository.
    const read = new Function('readFileSync', 'join', 'root', `${line}\nreturn runtime;`) as (...args: unknown[]) => string;
    expect(read(readFileSync, join, ROOT)).toBe(VERSIONS.lambdaRuntime);
  });
});

describe("the README's figures are versions.ts's", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  /** The README's prose as one line: quote markers and line breaks gone. */
  const prose = readme.replace(/\n> ?/g, '\n').replace(/\s+/g, ' ');

  test('Copilot, the CodeBuild image, the runtime Copilot renders and the PostgreSQL major version', () => {
    const figure = (pattern: RegExp) => pattern.exec(prose)?.[1];
    expect(figure(/pin Copilot's last release, (v[\d.]+),/)).toBe(VERSIONS.copilot.version);
    expect(figure(/Amazon Linux 2023 standard image \(`([^`]+)`\)/)).toBe(VERSIONS.codebuild.image);
    expect(figure(/Lambda functions off `([^`]+)`/)).toBe(VERSIONS.copilot.renderedLambdaRuntime);
    expect(figure(/PostgreSQL (\d+) \(major version only\)/)).toBe(VERSIONS.postgresql.major);
    expect(figure(/live in one file, `([^`]+)`/)).toBe('generators/shared/versions.ts');
  });

  test('the Python image for each Django release, and the oldest Django accepted', () => {
    const bullet = /- \*\*The Python image\*\*.*?is refused\./.exec(prose)?.[0];
    expect(bullet).toBeDefined();
    // "3.9 for Django 2.2 to 3.1", "3.10 for 3.2 and 4.0", "3.11 for 4.1", "3.12 from 4.2".
    const claimed = new Map<string, string>();
    const releases = VERSIONS.python.byDjango.map(([django]) => django);
    for (const [, python, word, first, joiner, last] of bullet!.matchAll(/(\d\.\d+) (for|from) (?:Django )?(\d\.\d+)(?: (to|and) (\d\.\d+))?/g)) {
      const from = releases.indexOf(first);
      const to = word === 'from' ? releases.length - 1 : last === undefined ? from : releases.indexOf(last);
      expect({ first, last, known: from >= 0 && to >= 0 }).toEqual({ first, last, known: true });
      const named = joiner === 'and' ? [first, last!] : releases.slice(from, to + 1);
      for (const django of named) claimed.set(django, python);
    }
    expect(Object.fromEntries(claimed)).toEqual(Object.fromEntries(VERSIONS.python.byDjango));
    expect(bullet).toContain(`Django older than ${OLDEST_DJANGO} is refused.`);
  });
});
