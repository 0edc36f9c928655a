/**
 * The CDK app's cdk-nag acknowledgements against what cdk-nag finds: each `Validations.of(…).acknowledge` in
 * templates/infra/lib/ answers a finding in at least one of the option sets below, so none outlives the construct
 * or the rule it was written for. (A finding without an acknowledgement fails the synth: test/cdk.test.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nagRules, type NagRule } from './support/cdk.js';
import { DEMO_FLAGS, generateProject } from './support/generate.js';

/** The path after the stage's or the pipeline stack's name: the same construct in every environment. */
const inApp = (path: string) => path.replace(/^\/?[^/]+\//, '');

/** Projects that between them build every construct the app has: each part, each kind of environment and source. */
const OPTION_SETS: Array<{ name: string; flags: Parameters<typeof generateProject>[0]; restore?: string }> = [
  { name: 'every part, Spot, a domain, GitHub, a restored production database', flags: { ...DEMO_FLAGS, media: 's3', worker: 'celery', jobs: true, target: 'cdk' }, restore: 'prod' },
  { name: 'no domain, one production environment, no repository', flags: { app: 'shop', service: 'web', branches: 'main:prod', allowHttp: true, spot: false, repository: '', target: 'cdk' } },
  { name: 'CodeCommit', flags: { ...DEMO_FLAGS, repository: 'https://git-codecommit.us-east-1.amazonaws.com/v1/repos/demo', target: 'cdk' } },
];

test('every acknowledgement of an AWS Solutions rule in the CDK app answers a finding of that rule under its construct', async () => {
  const acknowledged = new Map<string, NagRule>();
  const answered = new Set<string>();
  for (const set of OPTION_SETS) {
    const project = await generateProject(set.flags);
    if (set.restore) {
      const cdkJson = join(project, 'infra/cdk.json');
      const settings = JSON.parse(readFileSync(cdkJson, 'utf8'));
      const restore = { [set.restore]: { snapshot: 'demo-final', secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:DBSecret-AbCdEf' } };
      writeFileSync(cdkJson, JSON.stringify({ ...settings, context: { ...settings.context, databaseRestore: restore } }));
    }
    const rules = await nagRules(project);
    expect({ set: set.name, acknowledged: rules.acknowledged.length > 0, found: rules.found.length > 0 || rules.output }).toEqual({ set: set.name, acknowledged: true, found: true });
    for (const rule of rules.acknowledged) {
      const key = `${inApp(rule.path)} ${rule.id}`;
      acknowledged.set(key, { path: inApp(rule.path), id: rule.id });
      if (rules.found.some((finding) => finding.id === rule.id && `${finding.path}/`.startsWith(`${rule.path.replace(/^\//, '')}/`))) answered.add(key);
    }
  }
  expect([...acknowledged.keys()].filter((key) => !answered.has(key)).sort()).toEqual([]);
}, 300_000);
