/**
 * The generated CDK app (infra/) synthesized as a user runs it, `cdk synth` with its cdk.json, offline: no AWS
 * credentials, no AWS configuration, no instance metadata. The app's packages are this repository's (its
 * devDependencies pin the versions infra/package.json pins, versions.ts), through a node_modules link.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
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

/** `cdk synth` in `<project>/infra`; rejects with the CLI's output when it fails (a compile error, a cdk-nag finding, a lookup). */
export async function synthesize(project: string): Promise<Synthesis> {
  const infra = join(project, 'infra');
  if (!existsSync(join(infra, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(infra, 'node_modules'), 'dir');
  let output: string;
  try {
    const result = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-notices', '--quiet'], { cwd: infra, env: offlineEnvironment(), maxBuffer: 64 * 1024 * 1024 });
    output = result.stdout + result.stderr;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`cdk synth failed in ${infra}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return { templates: stackTemplates(join(infra, 'cdk.out')), output };
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
