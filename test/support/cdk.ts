/**
 * The generated CDK app (infra/) synthesized as a user runs it, `cdk synth` with its cdk.json, offline: no AWS
 * credentials, no AWS configuration, no instance metadata. The app's packages are this repository's (its
 * devDependencies pin the versions infra/package.json pins, versions.ts), through a node_modules link.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './generate.js';

export interface Synthesis {
  /** Each stack's template, by stack name. */
  templates: Record<string, Record<string, any>>;
  output: string;
}

/** The environment without anything that could reach AWS: an empty home, no AWS variables, no metadata service. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')));
  return { ...environment, HOME: mkdtempSync(join(tmpdir(), 'cdk-home-')), AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true', FORCE_COLOR: '0' };
}

/**
 * `cdk synth '**'` in `<project>/infra`, as the guide has it (every stack, the stages' too: without a stack selected,
 * `cdk synth` in an app whose stacks are all in stages reports none of their cdk-nag findings); rejects with the CLI's output when it fails (a compile error, a cdk-nag finding, a lookup). */
export async function synthesize(project: string, environment: NodeJS.ProcessEnv = {}): Promise<Synthesis> {
  const infra = join(project, 'infra');
  if (!existsSync(join(infra, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(infra, 'node_modules'), 'dir');
  let output: string;
  try {
    const result = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-notices', '--quiet', '**'], { cwd: infra, env: { ...offlineEnvironment(), ...environment }, maxBuffer: 64 * 1024 * 1024 });
    output = result.stdout + result.stderr;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`cdk synth failed in ${infra}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return { templates: stackTemplates(join(infra, 'cdk.out')), output };
}

/** A cdk-nag rule at a construct path (the stage's stacks' paths start with the stage's name). */
export interface NagRule {
  path: string;
  id: string;
}

/**
 * Loaded into the app's process (NODE_OPTIONS=--require): every `Validations.of(scope).acknowledge` of an AWS
 * Solutions rule is recorded in NAG_ACKNOWLEDGED (the scope's path and the rule) instead of being made.
 */
const RECORD_ACKNOWLEDGEMENTS = `
const { appendFileSync } = require('node:fs');
const { Validations } = require(require.resolve('aws-cdk-lib', { paths: [process.cwd()] }));
const acknowledge = Validations.prototype.acknowledge;
Validations.prototype.acknowledge = function (...rules) {
  for (const rule of rules.filter((rule) => rule.id.startsWith('AwsSolutions-'))) {
    appendFileSync(process.env.NAG_ACKNOWLEDGED, JSON.stringify({ path: this.scope.node.path, id: rule.id }) + '\\n');
  }
  return acknowledge.apply(this, rules.filter((rule) => !rule.id.startsWith('AwsSolutions-')));
};
`;

/**
 * `cdk synth` with the app's acknowledgements of AWS Solutions rules recorded rather than made: what the app
 * acknowledges, and what cdk-nag then finds (each finding's construct path and rule, from the CLI's report).
 */
export async function nagRules(project: string): Promise<{ acknowledged: NagRule[]; found: NagRule[]; output: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
  const preload = join(scratch, 'record-acknowledgements.cjs');
  const log = join(scratch, 'acknowledged.jsonl');
  writeFileSync(preload, RECORD_ACKNOWLEDGEMENTS);
  writeFileSync(log, '');
  let output = '';
  try {
    output = (await synthesize(project, { NODE_OPTIONS: `--require ${preload}`, NAG_ACKNOWLEDGED: log })).output;
  } catch (error) {
    output = (error as Error).message;
  }
  const acknowledged = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as NagRule);
  // A finding's report: its construct's path and type, then "Acknowledge with 'AwsSolutions::<rule>'".
  const found = [...output.matchAll(/^\s+(\S+) \S+\n\s+Acknowledge with 'AwsSolutions::(AwsSolutions-[^']+)'$/gm)].map(([, path, id]) => ({ path, id }));
  return { acknowledged, found, output };
}

interface Manifest {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string; directoryName?: string } }>;
}

/**
 * The templates of the stacks of the assembly in `directory` by stack name, then those of its stages (nested
 * assemblies, `assembly-<stage>/`) whose names are not taken yet: the stacks `cdk deploy` finds.
 */
function stackTemplates(directory: string): Record<string, Record<string, any>> {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = Object.entries(manifest.artifacts);
  const templates: Record<string, Record<string, any>> = {};
  for (const [id, artifact] of artifacts.filter(([, candidate]) => candidate.type === 'aws:cloudformation:stack')) {
    templates[artifact.properties?.stackName ?? id] = JSON.parse(readFileSync(join(directory, artifact.properties!.templateFile!), 'utf8'));
  }
  for (const [, artifact] of artifacts.filter(([, candidate]) => candidate.type === 'cdk:cloud-assembly')) {
    for (const [name, template] of Object.entries(stackTemplates(join(directory, artifact.properties!.directoryName!)))) templates[name] ??= template;
  }
  return templates;
}
