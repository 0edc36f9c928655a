#!/usr/bin/env node
/**
 * One stack per environment, in a stage of its own, each the whole of what Copilot splits into an environment stack
 * and a service stack.
 * `cdk synth` also runs cdk-nag's AWS Solutions rules: a finding that no `Validations.of(…).acknowledge` in lib/
 * justifies fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DatabaseRestore } from '../lib/database';
import { EnvironmentStage } from '../lib/environment-stack';
import { PipelineStack } from '../lib/pipeline-stack';
import { PROJECT } from '../lib/project';

const app = new App();
// The account and region every environment deploys to (cdk.json's context, or `-c account=… -c region=…`), as
// Copilot deploys them all with one profile. cdk.json holds an example account with its lookups filled in, so that
// `cdk synth` runs offline; put yours there before a deploy (README: "The CDK app").
const env = { account: String(app.node.getContext('account')), region: String(app.node.getContext('region')) };

// Each environment's stack in its stage (`npx cdk deploy <stageName>/Environment`, lib/project.ts); with a
// repository, the branch's pipeline deploys that same stage (lib/pipeline-stack.ts), so both deploy one template.
// The connection's ARN is cdk.json's `connectionArn` (or `-c connectionArn=…`).
// The Copilot environment's database, restored from its snapshot with its credentials: cdk.json's `databaseRestore`,
// by environment (README: "Moving off Copilot"). Only cdk.json: the pipelines synthesize with the committed file, and
// a deploy without the snapshot would replace the restored database with an empty one.
const restores = databaseRestores(app.node.tryGetContext('databaseRestore'), PROJECT.environments.map((environment) => environment.name), env.region);
const source = PROJECT.source;
const connectionArn = app.node.tryGetContext('connectionArn') as string | undefined;
for (const environment of PROJECT.environments) {
  const stage = new EnvironmentStage(app, { env, project: PROJECT, environment, databaseRestore: restores[environment.name] });
  if (source) {
    new PipelineStack(app, environment.pipelineStackName, { env, project: PROJECT, environment, source, connectionArn, stage, description: `${PROJECT.app}: the pipeline of branch ${environment.branch}, deploying ${environment.stackName}` });
  }
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

/**
 * cdk.json's `databaseRestore`: `{ "<environment>": { "snapshot": "<cluster snapshot name or ARN>", "secret": "<secret ARN>" } }`.
 * An environment name that is not the project's would leave the environment it was meant for with an empty database,
 * and a snapshot or secret of another region cannot be used here: all are refused.
 */
function databaseRestores(value: unknown, environments: string[], region: string): Record<string, DatabaseRestore> {
  if (value === undefined) return {};
  const where = 'context databaseRestore (cdk.json)';
  const shape = '{ "<environment>": { "snapshot": "<cluster snapshot name or ARN>", "secret": "<ARN of the Copilot environment\'s DB_SECRET>" } }';
  const isObject = (candidate: unknown): candidate is Record<string, unknown> => typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate);
  if (!isObject(value)) throw new Error(`${where} is ${JSON.stringify(value)}: it must be ${shape}`);
  const restores: Record<string, DatabaseRestore> = {};
  for (const [name, restore] of Object.entries(value)) {
    if (!environments.includes(name)) throw new Error(`${where} names the environment "${name}", which this project does not have: its environments are ${environments.join(', ')}`);
    if (!isObject(restore) || typeof restore.snapshot !== 'string' || restore.snapshot === '' || typeof restore.secret !== 'string' || !restore.secret.startsWith('arn:')) {
      throw new Error(`${where}.${name} is ${JSON.stringify(restore)}: it must be ${shape}`);
    }
    for (const [field, identifier] of [['snapshot', restore.snapshot], ['secret', restore.secret]]) {
      const inRegion = identifier.startsWith('arn:') ? identifier.split(':')[3] : region;
      if (inRegion !== region) throw new Error(`${where}.${name}.${field} "${identifier}" is in ${inRegion}, not ${region}, the region the app deploys to: copy it to ${region} first`);
    }
    restores[name] = { snapshot: restore.snapshot, secret: restore.secret };
  }
  return restores;
}
