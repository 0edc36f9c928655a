/**
 * Copilot's Lambda runtime patches. test/data/copilot-lambdas.json holds what Copilot's own code rendered (through
 * copilot-render, scripts/copilot-lambdas.mjs) for a matrix of manifests: which functions each stack has, and which
 * runtimes were left after the generator's patches. These tests hold the generator's rules and files to those facts.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { environmentFunctions, serviceFunctions, splitByStacks } from '../generators/shared/lambdas.js';
import { VERSIONS } from '../generators/shared/versions.js';
import { PATCH_FILE, overrideTargets, updatePatchFile, type OverrideTarget } from '../generators/shared/overrides.js';
import { DEMO_FLAGS, ROOT, generateProject, readText, readYaml, runApp, snapshot } from './support/generate.js';

const LAMBDA_RUNTIME = VERSIONS.lambdaRuntime;

interface Variant {
  name: string;
  flags: string[];
  service?: Record<string, unknown>;
  environments?: Record<string, unknown>;
  environment?: Record<string, Record<string, unknown>>;
  rendered: Record<string, string[]>;
  patched: { failures: string[]; leftBehind: string[] };
}
const facts = JSON.parse(readFileSync(join(ROOT, 'test/data/copilot-lambdas.json'), 'utf8')) as { runtime: string; variants: Variant[] };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The same edit as scripts/copilot-lambdas.mjs: objects merged key by key, anything else replaced. */
function mergeInto(target: Record<string, unknown>, edits: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(edits)) {
    if (isObject(value) && isObject(target[key])) mergeInto(target[key], value);
    else target[key] = value;
  }
}
function editYaml(cwd: string, file: string, edits: Record<string, unknown> | undefined): void {
  if (!edits) return;
  const value = readYaml(cwd, file);
  mergeInto(value, edits);
  writeFileSync(join(cwd, file), stringify(value));
}

/** `--domain example.com --spot` as generator options. */
function optionsOf(flags: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = { ...DEMO_FLAGS, domain: '', spot: false };
  for (let i = 0; i < flags.length; i++) {
    const name = flags[i].replace(/^--/, '');
    if (flags[i + 1] !== undefined && !flags[i + 1].startsWith('--')) options[name] = flags[++i];
    else options[name] = true;
  }
  return options;
}

/** The environments of a variant, from the stacks Copilot rendered for it. */
const environmentsOf = (variant: Variant) => Object.keys(variant.rendered).filter((stack) => stack.startsWith('env ')).map((stack) => stack.slice(4));

async function projectOf(variant: Variant): Promise<string> {
  const cwd = await generateProject(optionsOf(variant.flags));
  editYaml(cwd, 'copilot/django/manifest.yml', variant.service);
  for (const name of environmentsOf(variant)) {
    editYaml(cwd, `copilot/environments/${name}/manifest.yml`, variant.environments);
    editYaml(cwd, `copilot/environments/${name}/manifest.yml`, variant.environment?.[name]);
  }
  return cwd;
}

const patchedFunctions = (cwd: string, folder: string): string[] =>
  // The service's file also holds the containers' StopTimeout patches (task-stop.test.ts).
  (parse(readText(cwd, `${folder}/${PATCH_FILE}`)) as Array<{ op: string; path: string; value: string }>).filter((patch) => !patch.path.endsWith('/StopTimeout')).map((patch) => {
    expect(patch).toMatchObject({ op: 'replace', value: LAMBDA_RUNTIME });
    return /^\/Resources\/(\w+)\/Properties\/Runtime$/.exec(patch.path)![1];
  });

test('the facts were rendered with the runtime the generator writes, and Copilot rendered nodejs20.x', () => {
  expect(facts.runtime).toBe(LAMBDA_RUNTIME);
  expect(facts.variants.length).toBeGreaterThan(10);
  expect(new Set(facts.variants.flatMap((variant) => Object.values(variant.rendered).flat()))).toEqual(
    new Set(['CertificateValidationFunction', 'CustomDomainFunction', 'DNSDelegationFunction', 'BucketCleanerFunction', 'UniqueJSONValuesFunction', 'CertificateReplicatorFunction', 'EnvControllerFunction', 'RulePriorityFunction', 'DynamicDesiredCountFunction', 'NLBCertValidatorFunction', 'NLBCustomDomainFunction']),
  );
});

describe.each(facts.variants.map((variant) => [variant.name, variant] as const))('%s', (_name, variant) => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await projectOf(variant);
  });

  test('the rules name exactly the functions Copilot rendered in each stack', () => {
    const service = readYaml(cwd, 'copilot/django/manifest.yml');
    const appDomain = variant.flags.includes('--domain');
    const derived: Record<string, string[]> = {};
    for (const name of environmentsOf(variant)) {
      derived[`env ${name}`] = environmentFunctions(readYaml(cwd, `copilot/environments/${name}/manifest.yml`), appDomain);
      derived[`svc django-${name}`] = serviceFunctions(service, name);
    }
    expect(derived).toEqual(variant.rendered);
  });

  test('a re-run patches every function rendered in all stacks of a patch file, and tells of the others', async () => {
    await runApp({ yes: true }, { cwd });
    for (const [folder, prefix] of [['copilot/environments/overrides', 'env '], ['copilot/django/overrides', 'svc ']] as const) {
      const stacks = Object.entries(variant.rendered).filter(([stack]) => stack.startsWith(prefix));
      const { everywhere } = splitByStacks(new Map(stacks));
      if (everywhere.length === 0) continue;
      expect(patchedFunctions(cwd, folder).sort()).toEqual(everywhere);
    }
    // What Copilot's code left on nodejs20.x after these patches: exactly the functions only some stacks render.
    const partial = Object.entries(variant.rendered).flatMap(([stack, functions]) => {
      const siblings = Object.entries(variant.rendered).filter(([other]) => other.split(' ')[0] === stack.split(' ')[0]);
      return functions.filter((name) => !siblings.every(([, others]) => others.includes(name))).map((name) => `${stack}: ${name} ${VERSIONS.copilot.renderedLambdaRuntime}`);
    });
    expect(variant.patched.failures).toEqual([]);
    expect(variant.patched.leftBehind.sort()).toEqual(partial.sort());
  });
});

describe('the patch file on a re-run', () => {
  const target = (functions: string[], others: string[] = functions): OverrideTarget => ({
    folder: 'copilot/django/overrides',
    appliesTo: 'the django service in every environment',
    perStack: new Map([
      ['django in dev', functions],
      ['django in prod', others],
    ]),
  });

  test('a new file patches each function and says why', () => {
    const { text, notices } = updatePatchFile(target(['EnvControllerFunction', 'RulePriorityFunction']), undefined);
    expect(notices).toEqual([]);
    expect(text).toMatch(new RegExp(`^# Moves Copilot's custom-resource Lambda functions off ${VERSIONS.copilot.renderedLambdaRuntime.replace('.', '\\.')},`));
    expect(parse(text!)).toEqual([
      { op: 'replace', path: '/Resources/EnvControllerFunction/Properties/Runtime', value: LAMBDA_RUNTIME },
      { op: 'replace', path: '/Resources/RulePriorityFunction/Properties/Runtime', value: LAMBDA_RUNTIME },
    ]);
  });

  test('keeps the user\'s own patches and comments, adds what the manifests now render, drops what they no longer do', () => {
    const mine = [
      '# ours: a bigger timeout',
      '- op: replace',
      '  path: /Resources/EnvControllerFunction/Properties/Timeout',
      '  value: 900',
      '- op: replace',
      '  path: /Resources/EnvControllerFunction/Properties/Runtime',
      '  value: nodejs20.x',
      '- op: replace',
      '  path: /Resources/RulePriorityFunction/Properties/Runtime',
      '  value: nodejs22.x',
      '- op: replace',
      '  path: /Resources/NLBCertValidatorFunction/Properties/Runtime',
      '  value: nodejs24.x',
      '',
    ].join('\n');
    const { text, notices } = updatePatchFile(target(['DynamicDesiredCountFunction', 'EnvControllerFunction', 'RulePriorityFunction']), mine);
    expect(text).toMatch(/^# ours: a bigger timeout\n/);
    expect(parse(text!)).toEqual([
      { op: 'replace', path: '/Resources/EnvControllerFunction/Properties/Timeout', value: 900 },
      { op: 'replace', path: '/Resources/EnvControllerFunction/Properties/Runtime', value: LAMBDA_RUNTIME },
      // A runtime of the user's that Lambda still accepts is theirs to choose.
      { op: 'replace', path: '/Resources/RulePriorityFunction/Properties/Runtime', value: 'nodejs22.x' },
      { op: 'replace', path: '/Resources/DynamicDesiredCountFunction/Properties/Runtime', value: LAMBDA_RUNTIME },
    ]);
    expect(notices).toEqual([expect.stringMatching(/^Removed the runtime patch of NLBCertValidatorFunction .* no longer renders it/)]);
  });

  test('an unchanged file is not rewritten', () => {
    const { text } = updatePatchFile(target(['EnvControllerFunction']), undefined);
    expect(updatePatchFile(target(['EnvControllerFunction']), text)).toEqual({ notices: [] });
  });

  test('a function only some environments render is left out and told, with the stacks that have it', () => {
    const { text, notices } = updatePatchFile(target(['EnvControllerFunction'], ['DynamicDesiredCountFunction', 'EnvControllerFunction']), undefined);
    expect(parse(text!)).toEqual([{ op: 'replace', path: '/Resources/EnvControllerFunction/Properties/Runtime', value: LAMBDA_RUNTIME }]);
    expect(notices).toEqual([expect.stringContaining('DynamicDesiredCountFunction is rendered only for django in prod')]);
    // The way out the notice offers is one Copilot renders the function with (test/data: a fixed range of one task).
    expect(notices[0]).toContain('count: { range: 1-1, cpu_percentage: 70 }');
    const fixedRange = facts.variants.find((variant) => variant.name === 'autoscaling in prod, a fixed range of one task in dev')!;
    expect(fixedRange.service).toEqual({ environments: { dev: { count: { range: '1-1', cpu_percentage: 70 } }, prod: { count: { range: '2-6', cpu_percentage: 70 } } } });
    expect(fixedRange.patched).toEqual({ failures: [], leftBehind: [] });
  });

  test('a folder with a CDK override gets no patch file, and the user is told what to set', () => {
    expect(updatePatchFile(target(['EnvControllerFunction']), undefined, true)).toEqual({
      notices: [expect.stringContaining(`holds a CDK override: set Runtime to ${LAMBDA_RUNTIME} there for EnvControllerFunction`)],
    });
  });

  test('a patch file that is not a list is refused, naming it', () => {
    expect(() => updatePatchFile(target(['EnvControllerFunction']), 'op: replace\n')).toThrow('copilot/django/overrides/cfn.patches.yml is not a YAML list of patches');
  });
});

describe('re-runs derive the patches from the manifests on disk', () => {
  test('autoscaling added by the user to a service on regular Fargate brings DynamicDesiredCountFunction in; removing it takes it out', async () => {
    const cwd = await generateProject({ ...DEMO_FLAGS, spot: false });
    expect(patchedFunctions(cwd, 'copilot/django/overrides')).toEqual(['EnvControllerFunction', 'RulePriorityFunction']);
    const manifest = readText(cwd, 'copilot/django/manifest.yml');
    const service = readYaml(cwd, 'copilot/django/manifest.yml');
    service.count = { range: '1-4', cpu_percentage: 70 };
    for (const environment of ['dev', 'prod']) delete service.environments[environment].count;
    writeFileSync(join(cwd, 'copilot/django/manifest.yml'), stringify(service));
    await runApp({ yes: true }, { cwd });
    expect(patchedFunctions(cwd, 'copilot/django/overrides')).toEqual(['EnvControllerFunction', 'RulePriorityFunction', 'DynamicDesiredCountFunction']);
    writeFileSync(join(cwd, 'copilot/django/manifest.yml'), manifest);
    await runApp({ yes: true }, { cwd });
    expect(patchedFunctions(cwd, 'copilot/django/overrides')).toEqual(['EnvControllerFunction', 'RulePriorityFunction']);
  });

  test('access logs added to every environment bring BucketCleanerFunction into the environment patches', async () => {
    const cwd = await generateProject();
    for (const name of ['dev', 'prod']) editYaml(cwd, `copilot/environments/${name}/manifest.yml`, { http: { public: { access_logs: true } } });
    await runApp({ yes: true }, { cwd });
    expect(patchedFunctions(cwd, 'copilot/environments/overrides')).toEqual(['CertificateValidationFunction', 'CustomDomainFunction', 'DNSDelegationFunction', 'BucketCleanerFunction']);
  });

  test('a project generated before the patches existed gets them on a re-run, and nothing else of the user\'s changes', async () => {
    const cwd = await generateProject();
    rmSync(join(cwd, 'copilot/environments/overrides'), { recursive: true });
    rmSync(join(cwd, 'copilot/django/overrides'), { recursive: true });
    const before = snapshot(cwd);
    await runApp({ yes: true }, { cwd });
    const after = snapshot(cwd);
    expect(Object.keys(after).filter((file) => before[file] !== after[file])).toEqual(['copilot/django/overrides/cfn.patches.yml', 'copilot/environments/overrides/cfn.patches.yml']);
    expect(patchedFunctions(cwd, 'copilot/environments/overrides')).toEqual(['CertificateValidationFunction', 'CustomDomainFunction', 'DNSDelegationFunction']);
  });

  test('a broken patch file stops the run with its name, and nothing is written', async () => {
    const cwd = await generateProject();
    writeFileSync(join(cwd, 'copilot/django/overrides/cfn.patches.yml'), 'op: replace\npath: /Resources\n');
    const before = snapshot(cwd);
    await expect(runApp({ yes: true, branches: 'develop:dev,main:prod,release:staging' }, { cwd })).rejects.toThrow(
      'copilot/django/overrides/cfn.patches.yml is not a YAML list of patches',
    );
    expect(snapshot(cwd)).toEqual(before);
  });

  test('an environment of the user\'s own under copilot/environments/ is covered too', async () => {
    const cwd = await generateProject();
    mkdirSync(join(cwd, 'copilot/environments/qa'));
    writeFileSync(join(cwd, 'copilot/environments/qa/manifest.yml'), stringify({ name: 'qa', type: 'Environment', http: { public: { access_logs: true } } }));
    await runApp({ yes: true }, { cwd });
    // BucketCleanerFunction exists only in qa's stack: not patched (it would break dev and prod), and not silently.
    expect(patchedFunctions(cwd, 'copilot/environments/overrides')).toEqual(['CertificateValidationFunction', 'CustomDomainFunction', 'DNSDelegationFunction']);
    const targets = overrideTargets('django', readYaml(cwd, 'copilot/django/manifest.yml'), new Map(['dev', 'prod', 'qa'].map((name) => [name, readYaml(cwd, `copilot/environments/${name}/manifest.yml`)])), true);
    expect(updatePatchFile(targets[0], readText(cwd, 'copilot/environments/overrides/cfn.patches.yml')).notices).toEqual([
      expect.stringContaining('BucketCleanerFunction is rendered only for environment qa'),
    ]);
  });
});
