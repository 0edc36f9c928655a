#!/usr/bin/env node
/**
 * One stack per environment, in a stage of its own, each the whole of what Copilot splits into an environment stack
 * and a service stack.
 * `cdk synth` also runs cdk-nag's AWS Solutions rules: a finding that no `Validations.of(…).acknowledge` in lib/
 * justifies fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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
const source = PROJECT.source;
const connectionArn = app.node.tryGetContext('connectionArn') as string | undefined;
for (const environment of PROJECT.environments) {
  const stage = new EnvironmentStage(app, { env, project: PROJECT, environment });
  if (source) {
    new PipelineStack(app, environment.pipelineStackName, { env, project: PROJECT, environment, source, connectionArn, stage, description: `${PROJECT.app}: the pipeline of branch ${environment.branch}, deploying ${environment.stackName}` });
  }
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
