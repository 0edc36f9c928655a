/**
 * --target cdk with a repository: the branch pipelines of infra/lib/pipeline-stack.ts, synthesized offline as a user
 * runs `cdk synth` (test/cdk.test.ts holds a GitHub repository's pipelines and the environments' stacks): a CodeCommit
 * repository's pipelines, the refusals of a source the pipelines cannot use, and the Node.js their builds run on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { templateErrors } from './support/cloudformation.js';
import { synthesize, type Synthesis } from './support/cdk.js';
import { DEMO_FLAGS, ROOT, generateProject, readText } from './support/generate.js';
import { OFFLINE_ACCOUNT } from '../generators/shared/infra.js';
import { VERSIONS } from '../generators/shared/versions.js';

/**
 * Whether Node.js `major` (any release of it) satisfies an `engines.node` range of the form the pinned CDK packages
 * use, `>= X.Y.Z`; any other form fails the test, to be read by a person.
 */
function majorSatisfies(major: number, range: string): boolean {
  const match = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!match) throw new Error(`engines.node "${range}" is not of the form ">= X.Y.Z" this check reads`);
  return major > Number(match[1]) || (major === Number(match[1]) && Number(match[2]) === 0 && Number(match[3]) === 0);
}

/** DEMO_FLAGS' branches and their pipeline stacks. */
const BRANCHES = ['develop', 'main'];
const pipelineStack = (branch: string) => `demo-${branch}-cdk-pipeline`;

const codeCommitUrl = (region: string) => `https://git-codecommit.${region}.amazonaws.com/v1/repos/demo-repo`;

/** A template's value with Fn::Join done, the partition `aws` and any other Ref as `<LogicalId>`. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return object.Ref === 'AWS::Partition' ? 'aws' : `<${String(object.Ref)}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolved).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([key, entry]) => [key, resolved(entry)]));
}

/** The one resource of `type` in `template`, with its logical ID. */
function onlyResource(template: Record<string, any>, type: string): { id: string; properties: Record<string, any> } {
  const found = Object.entries(Template.fromJSON(template).findResources(type));
  expect({ type, count: found.length }).toEqual({ type, count: 1 });
  return { id: found[0][0], properties: (found[0][1] as { Properties: Record<string, any> }).Properties };
}

/** The Node.js major each CodeBuild project of a pipeline stack selects in its buildspec, by project. */
function nodejsOfBuilds(template: Record<string, any>): Record<string, unknown> {
  const projects = Object.entries(Template.fromJSON(template).findResources('AWS::CodeBuild::Project')) as Array<[string, { Properties: { Source: { BuildSpec: string } } }]>;
  return Object.fromEntries(projects.map(([id, project]) => [id, JSON.parse(project.Properties.Source.BuildSpec).phases?.install?.['runtime-versions']?.nodejs]));
}

/** Every pipeline's CodeBuild projects (the synth, the self-update, both image builds) select versions.ts's Node.js. */
function expectNodejsSelected(synthesis: Synthesis): void {
  for (const branch of BRANCHES) {
    const selected = nodejsOfBuilds(synthesis.templates[pipelineStack(branch)]);
    expect(Object.keys(selected)).toHaveLength(4);
    expect(selected).toEqual(Object.fromEntries(Object.keys(selected).map((id) => [id, VERSIONS.codebuild.nodejs])));
  }
}

/** Synthesizes `project` with its infra/cdk.json changed by `edit`, then puts cdk.json back as it was. */
async function synthesizeWith(project: string, edit: (context: Record<string, unknown>) => void): Promise<Synthesis> {
  const file = join(project, 'infra/cdk.json');
  const original = readFileSync(file, 'utf8');
  const cdkJson = JSON.parse(original);
  edit(cdkJson.context);
  writeFileSync(file, JSON.stringify(cdkJson, null, 2));
  try {
    return await synthesize(project);
  } finally {
    writeFileSync(file, original);
  }
}

describe('a CodeCommit repository in the region the app deploys to', () => {
  let project: string;
  let synthesis: Synthesis;

  beforeAll(async () => {
    project = await generateProject({ ...DEMO_FLAGS, target: 'cdk', repository: codeCommitUrl(OFFLINE_ACCOUNT.region) });
    synthesis = await synthesize(project);
  });

  test('one V2 pipeline per branch with a CodeCommit source action on its branch, started by an EventBridge rule on pushes to that repository\'s branch only; no connection anywhere', () => {
    expect(Object.keys(synthesis.templates).sort()).toEqual(['demo-dev-cdk', 'demo-develop-cdk-pipeline', 'demo-main-cdk-pipeline', 'demo-prod-cdk']);
    expect(JSON.parse(readText(project, 'infra/cdk.json')).context).not.toHaveProperty('connectionArn');
    const repositoryArn = `arn:aws:codecommit:${OFFLINE_ACCOUNT.region}:${OFFLINE_ACCOUNT.account}:demo-repo`;
    for (const branch of BRANCHES) {
      const template = synthesis.templates[pipelineStack(branch)];
      expect(templateErrors(template)).toEqual([]);
      expect(JSON.stringify(template)).not.toMatch(/codestar-connections|codeconnections|ConnectionArn/);

      const pipeline = onlyResource(template, 'AWS::CodePipeline::Pipeline');
      expect(pipeline.properties.Name).toBe(`demo-${branch}-cdk`);
      expect(pipeline.properties.PipelineType).toBe('V2');
      expect(pipeline.properties.Triggers).toBeUndefined();
      const actions = (pipeline.properties.Stages as Array<{ Actions: Array<Record<string, any>> }>).flatMap((stage) => stage.Actions);
      const sources = actions.filter((action) => action.ActionTypeId.Category === 'Source');
      expect(sources.map((action) => ({ provider: action.ActionTypeId.Provider, configuration: action.Configuration }))).toEqual([
        { provider: 'CodeCommit', configuration: { RepositoryName: 'demo-repo', BranchName: branch, PollForSourceChanges: false } },
      ]);

      const rule = onlyResource(template, 'AWS::Events::Rule').properties;
      expect(resolved(rule.EventPattern)).toEqual({
        source: ['aws.codecommit'],
        resources: [repositoryArn],
        'detail-type': ['CodeCommit Repository State Change'],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: [branch] },
      });
      expect(rule.Targets).toHaveLength(1);
      expect(resolved(rule.Targets[0].Arn)).toBe(`arn:aws:codepipeline:${OFFLINE_ACCOUNT.region}:${OFFLINE_ACCOUNT.account}:<${pipeline.id}>`);
    }
  });

  test("every build of the pipelines selects versions.ts's Node.js, a major the pinned CDK packages' engines accept", () => {
    expectNodejsSelected(synthesis);
    for (const [name, pinned] of [['aws-cdk', VERSIONS.cdk.awsCdk], ['aws-cdk-lib', VERSIONS.cdk.awsCdkLib], ['cdk-nag', VERSIONS.cdk.cdkNag]]) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
      expect({ name, version: manifest.version }).toEqual({ name, version: pinned });
      expect({ name, range: manifest.engines.node, accepts: majorSatisfies(VERSIONS.codebuild.nodejs, manifest.engines.node) }).toEqual({ name, range: manifest.engines.node, accepts: true });
    }
  });
});

test("a CodeCommit repository in another region: the app deploys to the repository's region, and a cdk.json region other than it fails the synth, naming the repository, both regions and what to do", async () => {
  const project = await generateProject({ ...DEMO_FLAGS, target: 'cdk', repository: codeCommitUrl('eu-west-1') });
  const cdkJson = join(project, 'infra/cdk.json');
  const settings = JSON.parse(readFileSync(cdkJson, 'utf8'));
  expect(settings.context.region).toBe('eu-west-1');
  expect(Object.keys((await synthesize(project)).templates)).toEqual(expect.arrayContaining(['demo-main-cdk-pipeline', 'demo-prod-cdk']));
  writeFileSync(cdkJson, JSON.stringify({ ...settings, context: { ...settings.context, region: 'us-east-1', 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] } }));
  await expect(synthesize(project)).rejects.toThrow(
    /the CodeCommit repository "demo-repo" \(--repository\) is in eu-west-1, not us-east-1, .*: set `region` in cdk\.json \(or -c region=…\) to eu-west-1, or re-run the generator with --repository naming a CodeCommit repository in us-east-1/,
  );
});

describe("a GitHub repository: the connection's ARN in cdk.json", () => {
  const otherRegionArn = `arn:aws:codestar-connections:eu-west-1:${OFFLINE_ACCOUNT.account}:connection/11111111-1111-1111-1111-111111111111`;
  let project: string;
  let synthesis: Synthesis;

  beforeAll(async () => {
    project = await generateProject({ ...DEMO_FLAGS, target: 'cdk' });
    synthesis = await synthesizeWith(project, (context) => {
      context.connectionArn = otherRegionArn;
    });
  });

  test("a connection created in another region than cdk.json's region is used as it is: connections are global", () => {
    for (const branch of BRANCHES) {
      const pipeline = onlyResource(synthesis.templates[pipelineStack(branch)], 'AWS::CodePipeline::Pipeline').properties;
      const sources = (pipeline.Stages as Array<{ Actions: Array<Record<string, any>> }>).flatMap((stage) => stage.Actions).filter((action) => action.ActionTypeId.Category === 'Source');
      expect(sources.map((action) => action.Configuration)).toEqual([{ ConnectionArn: otherRegionArn, FullRepositoryId: 'example/demo', BranchName: branch, DetectChanges: true }]);
    }
  });

  test("every build of the connection's pipelines selects versions.ts's Node.js too", () => {
    expectNodejsSelected(synthesis);
  });

  test('without connectionArn the synth fails, naming connectionArn and the connection whose ARN it wants', async () => {
    await expect(synthesizeWith(project, (context) => delete context.connectionArn)).rejects.toThrow(
      /context connectionArn is missing: set it in cdk\.json or with -c connectionArn=… to the ARN of the connection "demo-github"/,
    );
  });

  test("a connectionArn in another account than cdk.json's account fails the synth, naming both accounts", async () => {
    const foreign = 'arn:aws:codestar-connections:us-east-1:210987654321:connection/00000000-0000-0000-0000-000000000000';
    await expect(synthesizeWith(project, (context) => {
      context.connectionArn = foreign;
    })).rejects.toThrow(`context connectionArn "${foreign}" is in account 210987654321, not ${OFFLINE_ACCOUNT.account}, the account the app deploys to: set it to the ARN of the connection "demo-github"`);
  });
});
