/**
 * One pipeline per branch of --branches, as copilot/pipelines/<name>/ has them: a push to the branch builds both
 * images and deploys that branch's environment stack, and no other; a person approves each production deployment.
 * Each pipeline is a stack of its own (`<pipeline>-cdk-pipeline`), so a branch's pipeline comes and goes alone.
 *
 * CDK Pipelines (aws-cdk-lib/pipelines) rather than a CodeBuild project running `cdk deploy`: its synth step runs
 * `cdk synth` on the pushed commit, its asset actions build and publish both images (Docker assets) to the bootstrap
 * repository before anything deploys, an approval sits between the two, and its deploy actions are CloudFormation
 * change sets of exactly the stack its stage holds, run with the bootstrap's deploy role. A single `cdk deploy` in
 * CodeBuild would build, publish and deploy in one step (no approval between a build and its deployment) and would
 * need the deploy role's rights in the build itself. The pipeline also updates itself (self-mutation) when a push
 * changes it, before it deploys.
 */
import { Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as codepipelineActions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct, IConstruct } from 'constructs';
import type { EnvironmentStage } from './environment-stack';
import type { Environment, Project, Source } from './project';

export interface PipelineStackProps extends StackProps {
  project: Project;
  environment: Environment;
  source: Source;
  /** The connection's ARN (GitHub, Bitbucket): cdk.json's `connectionArn`. */
  connectionArn?: string;
  /** The environment's stage, the App's own (bin/app.ts): the pipeline deploys the very template `cdk deploy` does. */
  stage: EnvironmentStage;
}

/**
 * The connection the Copilot pipelines use, by its ARN: CloudFormation has no lookup of a connection by name. The
 * example ARN cdk.json starts with is in the example account, so it is refused as soon as `account` is a real one.
 */
function checkedConnectionArn(stack: Stack, source: Source, connectionArn: string | undefined): string {
  const find = `the ARN of the connection "${source.connectionName}" (aws codestar-connections list-connections --query "Connections[?ConnectionName=='${source.connectionName}'].ConnectionArn")`;
  if (!connectionArn) throw new Error(`context connectionArn is missing: set it in cdk.json or with -c connectionArn=… to ${find}`);
  const account = connectionArn.split(':')[4];
  if (account !== stack.account) throw new Error(`context connectionArn "${connectionArn}" is in account ${account}, not ${stack.account}, the account the app deploys to: set it to ${find}`);
  return connectionArn;
}

/**
 * The CodeCommit repository, named in the stack's region (Repository.fromRepositoryName): CodePipeline runs a source
 * action in the pipeline's own region only, so a repository elsewhere cannot start or feed these pipelines. A
 * connection (GitHub, Bitbucket) has no such limit: connections are global resources, usable from every region.
 */
function checkedRepository(stack: Stack, source: Source): codecommit.IRepository {
  if (source.region !== stack.region) {
    throw new Error(`the CodeCommit repository "${source.repository}" (--repository) is in ${source.region}, not ${stack.region}, the region cdk.json's \`region\` deploys the pipelines to, and a pipeline reads CodeCommit only in its own region: set \`region\` in cdk.json (or -c region=…) to ${source.region}, or re-run the generator with --repository naming a CodeCommit repository in ${stack.region}`);
  }
  return codecommit.Repository.fromRepositoryName(stack, 'Repository', source.repository);
}

export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { project, environment, source } = props;

    // Pushes to the branch only: a connection's source starts the pipeline through the trigger below; CodeCommit's
    // through an EventBridge rule on the repository for this branch's reference (the action's EVENTS trigger).
    const repository = source.provider === 'CodeCommit' ? checkedRepository(this, source) : undefined;
    const input = repository
      ? pipelines.CodePipelineSource.codeCommit(repository, environment.branch, { trigger: codepipelineActions.CodeCommitTrigger.EVENTS })
      : pipelines.CodePipelineSource.connection(source.repository, environment.branch, { connectionArn: checkedConnectionArn(this, source, props.connectionArn), triggerOnPush: true });

    const pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: environment.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      synth: new pipelines.ShellStep('Synth', {
        input,
        // The app as a user synthesizes it, with the committed cdk.json and cdk.context.json (no lookups in CodeBuild).
        commands: ['cd infra', 'npm ci', 'npx cdk synth --no-notices'],
        primaryOutputDirectory: 'infra/cdk.out',
      }),
      // The Copilot pipelines' image (Amazon Linux 2023 standard: Docker, Node.js) for the synth, the self-update and
      // the image builds; the Docker asset builds run privileged, as Docker needs. Each build selects the Node.js the
      // CDK packages support: the image's default Node.js is older than aws-cdk-lib's minimum.
      codeBuildDefaults: {
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.fromCodeBuildImageId(project.buildImage) },
        partialBuildSpec: codebuild.BuildSpec.fromObject({ phases: { install: { 'runtime-versions': { nodejs: project.buildNodejs } } } }),
      },
    });
    // In production a person approves between the change set's creation and its execution: the change set in the
    // CloudFormation console is exactly what the approval lets through.
    const approval = new pipelines.ManualApprovalStep('Approve', { comment: `Execute the change set of ${environment.stackName} in ${environment.name}? Review it in the CloudFormation console first.` });
    pipeline.addStage(props.stage, environment.production ? { stackSteps: [{ stack: props.stage.stack, changeSet: [approval] }] } : {});
    pipeline.buildPipeline();

    // The source action's rule matches the reference's name alone: a tag named like the branch would start the
    // pipeline too, which then builds the branch.
    const rules = repository?.node.findAll().filter((construct): construct is events.Rule => construct instanceof events.Rule) ?? [];
    for (const rule of rules) rule.addEventPattern({ detail: { referenceType: ['branch'] } });

    if (source.provider !== 'CodeCommit') {
      const sourceAction = pipeline.pipeline.stages[0].actions[0];
      pipeline.pipeline.addTrigger({
        providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        gitConfiguration: { sourceAction, pushFilter: [{ branchesIncludes: [environment.branch] }] },
      });
    }
    this.acknowledge(pipeline);
  }

  /** What cdk-nag finds in what CDK Pipelines writes, and why each is accepted. */
  private acknowledge(pipeline: pipelines.CodePipeline): void {
    const ref = (construct: IConstruct) => `<${this.getLogicalId(construct.node.defaultChild as CfnElement)}>`;
    const codebuildLogs = `arn:<AWS::Partition>:logs:${this.region}:${this.account}:log-group:/aws/codebuild`;
    const reportGroups = `arn:<AWS::Partition>:codebuild:${this.region}:${this.account}:report-group`;
    const projects = [pipeline.synthProject, pipeline.selfMutationProject].map(ref);
    const artifacts = `<${this.getLogicalId(pipeline.pipeline.artifactBucket.node.defaultChild as CfnElement)}.Arn>/*`;
    Validations.of(pipeline).acknowledge(...[
      { id: 'AwsSolutions-S1', reason: 'The artifacts bucket holds only what the pipeline passes between its actions (the source, the synthesized app); CloudTrail records who reads it, and access logs would need a bucket of their own.' },
      { id: 'AwsSolutions-CB4', reason: 'The builds\' artifacts and logs are encrypted with AWS managed keys (the artifacts bucket is S3-encrypted and SSL-only); a customer managed key per pipeline adds a key policy to keep and a monthly cost, and protects nothing more here.' },
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `CDK's read/write grant on this pipeline's own artifacts bucket (${action}), to pass artifacts between the actions; no other bucket.`,
      })),
      { id: `AwsSolutions-IAM5[Resource::${artifacts}]`, reason: 'The objects of this pipeline\'s own artifacts bucket: each action reads and writes artifacts under keys the pipeline chooses per run.' },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Actions that name no resource, written by CDK Pipelines: the self-update\'s cloudformation:DescribeStacks and s3:ListBucket (the bootstrap\'s asset bucket, named only at run time), and the image builds\' CodeBuild calls of their own builds.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:*:iam::${this.account}:role/*]`,
        reason: 'The self-update assumes the bootstrap\'s roles of this account only, those tagged aws-cdk:bootstrap-role deploy, file-publishing or image-publishing (the policy\'s condition).',
      },
      { id: `AwsSolutions-IAM5[Resource::${codebuildLogs}/*]`, reason: 'The image builds\' CodeBuild log groups, one per asset project, named after projects CDK creates at deploy time.' },
      { id: `AwsSolutions-IAM5[Resource::${reportGroups}/*]`, reason: 'The image builds\' CodeBuild report groups (test reports), named after projects CDK creates at deploy time.' },
      ...projects.flatMap((project) => [
        { id: `AwsSolutions-IAM5[Resource::${codebuildLogs}/${project}:*]`, reason: 'The log streams of this CodeBuild project\'s own log group.' },
        { id: `AwsSolutions-IAM5[Resource::${reportGroups}/${project}-*]`, reason: 'The report groups of this CodeBuild project only.' },
      ]),
    ]);
  }
}
