#!/usr/bin/env node
/**
 * One stack per environment, each the whole of what Copilot splits into an environment stack and a service stack.
 * `cdk synth` also runs cdk-nag's AWS Solutions rules: a finding that no `Validations.of(…).acknowledge` in lib/
 * justifies fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentStack } from '../lib/environment-stack';
import { environmentDescription, PipelineStack } from '../lib/pipeline-stack';
import { PROJECT } from '../lib/project';

const app = new App();
// The account and region every environment deploys to (cdk.json's context, or `-c account=… -c region=…`), as
// Copilot deploys them all with one profile. cdk.json holds an example account with its lookups filled in, so that
// `cdk synth` runs offline; put yours there before a deploy (README: "The CDK app").
const env = { account: String(app.node.getContext('account')), region: String(app.node.getContext('region')) };

for (const environment of PROJECT.environments) {
  new EnvironmentStack(app, environment.stackName, { env, project: PROJECT, environment, description: environmentDescription(PROJECT, environment) });
}

// With a repository, one pipeline per branch, each deploying its environment's stack (lib/pipeline-stack.ts). The
// connection's ARN is cdk.json's `connectionArn` (or `-c connectionArn=…`).
const source = PROJECT.source;
if (source) {
  const connectionArn = app.node.tryGetContext('connectionArn') as string | undefined;
  for (const environment of PROJECT.environments) {
    new PipelineStack(app, environment.pipelineStackName, { env, project: PROJECT, environment, source, connectionArn, description: `${PROJECT.app}: the pipeline of branch ${environment.branch}, deploying ${environment.stackName}` });
  }
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
