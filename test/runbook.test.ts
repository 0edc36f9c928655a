/**
 * The runbook (generators/shared/runbook.ts) as the user meets it: the commands of the generated README and of the
 * summary the shipped command prints are the same, every flag is one Copilot's own CLI lists
 * (test/data/copilot-commands.json, from scripts/copilot-commands.sh), and walked in order against a model of
 * Copilot's and AWS's state, each command finds what it needs already there.
 *
 * The prerequisites are read from copilot-cli's source at the commit the JSON names (4c858e7, v1.33.2 + 5
 * commits; the file each comes from is cited where it is checked).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readText, readYaml, runCli, temporaryFolder, type CliResult } from './support/generate.js';

interface Flag {
  long: string;
  short?: string;
  type: string;
}
interface CommandFacts {
  usage: string[];
  flags: Flag[];
  required?: string[];
  enums?: Record<string, string[]>;
}
const facts = JSON.parse(readFileSync(join(ROOT, 'test', 'data', 'copilot-commands.json'), 'utf8')) as { commands: Record<string, CommandFacts> };

/**
 * Flags a command needs here to run without asking (or at all). Copilot marks no flag required (no
 * MarkFlagRequired in internal/pkg/cli): a missing one is asked for, which a runbook must not rely on.
 */
const NEEDED: Record<string, string[]> = {
  // env_init.go Ask: askEnvName without --name, askEnvSession (a profile list) without --profile or keys,
  // askEnvResources (default or custom VPC) without --default-config.
  'copilot env init': ['name', 'profile', 'default-config'],
  'copilot env deploy': ['name'], // env_deploy.go Ask: selects an environment without --name
  // svc_init.go Ask: with --name and no --svc-type, a manifest already in the workspace skips every question.
  'copilot svc init': ['name'],
  'copilot secret init': ['name'], // secret_init.go askForSecretName
  'copilot svc deploy': ['name', 'env'], // svc_deploy.go Ask: selects service and environment
  'copilot svc delete': ['name', 'env'], // svc_delete.go Ask; without --env it deletes from every environment
  'copilot env delete': ['name'], // env_delete.go Ask
  'copilot pipeline deploy': ['name'], // pipeline_deploy.go askPipelineName
  'copilot pipeline delete': ['name'], // pipeline_delete.go Ask
};

interface Parsed {
  command: string;
  flags: Map<string, string | true>;
  positionals: string[];
}

function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]);
}

/** Splits a copilot or aws command into the command Copilot knows, its flags and its arguments; refuses unknown flags. */
function parseCommand(line: string): Parsed {
  const parts = words(line);
  let length = parts.length;
  while (length > 0 && !facts.commands[parts.slice(0, length).join(' ')]) length--;
  const command = parts.slice(0, length).join(' ');
  if (!command || command === 'copilot' || parts[0] === 'aws' && length < 3) throw new Error(`${line}: no such command in copilot-commands.json`);
  const known = facts.commands[command];
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let index = length; index < parts.length; index++) {
    const word = parts[index];
    const match = /^(?:--([\w-]+)|-(\w))(?:=(.*))?$/.exec(word);
    if (!match) {
      positionals.push(word);
      continue;
    }
    const flag = known.flags.find((candidate) => candidate.long === match[1] || (match[2] !== undefined && candidate.short === match[2]));
    if (!flag) throw new Error(`${line}: ${command} has no flag ${word} (copilot-commands.json)`);
    const value = flag.type === 'bool' ? true : (match[3] ?? parts[++index]);
    if (value === undefined) throw new Error(`${line}: ${word} needs a value`);
    flags.set(flag.long, value);
  }
  const allowed = (known.usage.join(' ').match(/\[(?!flags\]|command\])\w+\]/g) ?? []).length;
  if (positionals.length > allowed) throw new Error(`${line}: ${command} takes ${allowed} argument(s) (${known.usage.join(' ')})`);
  for (const flag of [...(NEEDED[command] ?? []), ...(known.required ?? [])]) {
    if (!flags.has(flag)) throw new Error(`${line}: ${command} needs --${flag}`);
  }
  for (const [flag, values] of Object.entries(known.enums ?? {})) {
    const value = flags.get(flag);
    if (typeof value === 'string' && !values.includes(value)) throw new Error(`${line}: --${flag} must be one of ${values.join(', ')}`);
  }
  return { command, flags, positionals };
}

/** What Copilot and AWS hold, and what the repository's remote branches hold. */
interface World {
  app?: string;
  environments: Map<string, { deployed: boolean; secrets: Set<string> }>;
  services: Set<string>;
  deployments: Set<string>;
  staged: string[];
  committed: string[];
  pushed: Map<string, string[]>;
  connections: Set<string>;
  pipelines: Set<string>;
}

function emptyWorld(): World {
  return { environments: new Map(), services: new Set(), deployments: new Set(), staged: [], committed: [], pushed: new Map(), connections: new Set(), pipelines: new Set() };
}

/** What the project folder (the workspace) holds, read from the generated files. */
function workspace(folder: string) {
  const application = readYaml(folder, 'copilot/.workspace').application as string;
  const service = (name: string) => (existsSync(join(folder, 'copilot', name, 'manifest.yml')) ? readYaml(folder, `copilot/${name}/manifest.yml`) : undefined);
  const pipeline = (name: string) => (existsSync(join(folder, 'copilot', 'pipelines', name, 'manifest.yml')) ? readYaml(folder, `copilot/pipelines/${name}/manifest.yml`) : undefined);
  const environment = (name: string) => existsSync(join(folder, 'copilot', 'environments', name, 'manifest.yml'));
  return { application, service, pipeline, environment };
}

function fail(line: string, why: string): never {
  throw new Error(`${line}: ${why}`);
}

/** The secrets a service's manifest names from SSM (`secret init`'s parameters), for one environment. */
function ssmSecrets(manifest: { secrets?: Record<string, unknown> }): string[] {
  return Object.entries(manifest.secrets ?? {})
    .filter(([, value]) => typeof value === 'string' && value.includes('/secrets/'))
    .map(([name]) => name);
}

/** The folders a service's images are built from (`image.build.context`, sidecars' too): a pipeline builds them. */
function buildContexts(manifest: { image?: { build?: { context?: string } }; sidecars?: Record<string, { image?: { build?: { context?: string } } }> }): string[] {
  const images = [manifest.image, ...Object.values(manifest.sidecars ?? {}).map((sidecar) => sidecar.image)];
  return images.map((image) => image?.build?.context).filter((context): context is string => context !== undefined);
}

const within = (paths: string[], path: string) => paths.some((added) => added === '.' || path === added || path.startsWith(`${added}/`));

/** A service can run in an environment: what `svc deploy` and a pipeline's deploy stage both need. */
function checkServiceCanRun(world: World, folder: string, line: string, service: string, environment: string) {
  const ws = workspace(folder);
  const manifest = ws.service(service) ?? fail(line, `no copilot/${service}/manifest.yml in the workspace`); // svc_deploy.go validateSvcName
  if (!world.services.has(service)) fail(line, `service ${service} is not in the application: run copilot svc init first`); // svc_deploy.go: store.GetService
  const env = world.environments.get(environment) ?? fail(line, `environment ${environment} is not in the application`); // svc_deploy.go validateEnvName
  // svc_deploy.go validateWorkloadManifestCompatibilityWithEnv: "cannot deploy a service to an undeployed environment".
  // The DB_SECRET export (from_cfn) is the environment addon's output: it exists once env deploy ran.
  if (!env.deployed) fail(line, `environment ${environment} is not deployed`);
  // ECS cannot start a task whose SSM secrets are missing (ResourceInitializationError), and the deploy rolls back:
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
  const missing = ssmSecrets(manifest).filter((name) => !env.secrets.has(name));
  if (missing.length > 0) fail(line, `secrets ${missing.join(', ')} missing in ${environment}`);
}

/** Runs one command against the model: throws when what it needs is not there yet. */
function step(world: World, folder: string, line: string): void {
  const ws = workspace(folder);
  if (line.startsWith('python3 ')) return; // prints a value locally
  if (line.startsWith('git ')) {
    const [, verb, ...rest] = words(line);
    if (verb === 'add') {
      for (const path of rest) if (!existsSync(join(folder, path))) fail(line, `${path} does not exist`);
      world.staged = [...new Set([...world.staged, ...rest])];
    } else if (verb === 'commit') {
      if (world.staged.length === 0) fail(line, 'nothing staged');
      world.committed = [...new Set([...world.committed, ...world.staged])];
      world.staged = [];
    } else if (verb === 'push') {
      const [remote, refspec] = rest;
      if (remote !== 'origin' || !refspec?.startsWith('HEAD:')) fail(line, 'expected git push origin HEAD:<branch>');
      if (world.committed.length === 0) fail(line, 'nothing committed');
      world.pushed.set(refspec.slice('HEAD:'.length), [...world.committed]);
    } else fail(line, `unexpected git ${verb}`);
    return;
  }
  const { command, flags, positionals } = parseCommand(line);
  const name = flags.get('name') as string;
  const requireApp = () => {
    // Every command but app init finds the application through copilot/.workspace and the SSM store
    // (validateWorkspaceApp in env_init.go, svc_init.go; store.GetApplication in secret_init.go, pipeline_deploy.go).
    if (world.app !== ws.application) fail(line, `application ${ws.application} does not exist yet: run copilot app init first`);
  };
  const environment = (envName: string) => world.environments.get(envName) ?? fail(line, `environment ${envName} is not in the application: run copilot env init first`);
  switch (command) {
    case 'copilot app init': {
      // app_init.go Ask: a workspace registered with another application is refused.
      if (positionals[0] !== ws.application) fail(line, `copilot/.workspace names ${ws.application}`);
      world.app = positionals[0];
      return;
    }
    case 'copilot env init': {
      requireApp();
      // env_init.go validateDuplicateEnv: "environment %s already exists".
      if (world.environments.has(name)) fail(line, `environment ${name} exists already`);
      // env_init.go writes the manifest unless it exists (ErrFileExists: "skipping writing it"): the generated one is kept.
      if (!ws.environment(name)) fail(line, `no copilot/environments/${name}/manifest.yml`);
      world.environments.set(name, { deployed: false, secrets: new Set() });
      return;
    }
    case 'copilot env deploy': {
      requireApp();
      // env_deploy.go: the environment must be in the application ("is not added in application ... yet") and its
      // manifest in the workspace ("environment manifest for %q is not found"); its addons deploy with it.
      environment(name).deployed = true;
      if (!ws.environment(name)) fail(line, `no manifest for ${name}`);
      return;
    }
    case 'copilot svc init': {
      requireApp();
      // svc_init.go Ask: with the manifest in the workspace (manifestAlreadyExists) nothing is asked; the type is the manifest's.
      if (!ws.service(name)) fail(line, `no copilot/${name}/manifest.yml: svc init would ask for a type, a Dockerfile and a port`);
      // svc_init.go Execute → envsWithPrivateSubnetsOnly (job_init.go): describes the stack of every environment in
      // the application, which env init creates; initialize/workload.go: AddServiceToApp (the ECR repository) and the store.
      world.services.add(name);
      return;
    }
    case 'copilot secret init': {
      requireApp();
      // secret_init.go askForSecretValues: "no environment is found in app" without one; a value is asked for each.
      if (world.environments.size === 0) fail(line, 'no environment to put the secret in');
      // secret_init.go configureClientsAndUpgradeForEnvironments → validateMinEnvVersion(SecretInitMinEnvVersion "v1.4.0",
      // template/env.go): an environment only initialised has version "bootstrap" (version/version.go), which
      // golang.org/x/mod/semver orders below every valid version: it must be deployed.
      for (const [envName, env] of world.environments) {
        if (!env.deployed) fail(line, `environment ${envName} is not deployed (secret init needs its stack at v1.4.0 or later)`);
        env.secrets.add(name);
      }
      return;
    }
    case 'copilot svc deploy': {
      requireApp();
      checkServiceCanRun(world, folder, line, name, flags.get('env') as string);
      world.deployments.add(`${name}/${flags.get('env')}`);
      return;
    }
    case 'aws codestar-connections create-connection': {
      world.connections.add(flags.get('connection-name') as string);
      return;
    }
    case 'copilot pipeline deploy': {
      requireApp();
      // pipeline_deploy.go validatePipelineName: "pipeline %s not found in the workspace".
      const manifest = ws.pipeline(name) ?? fail(line, `no copilot/pipelines/${name}/manifest.yml`);
      const connection = manifest.source.properties.connection_name as string | undefined;
      // pipeline_deploy.go Execute → codestar.go GetConnectionARN: "cannot find a connectionARN associated with %s".
      if (connection && !world.connections.has(connection)) fail(line, `connection ${connection} does not exist`);
      const stages = (manifest.stages as Array<{ name: string; deployments: Record<string, unknown> }>) ?? [];
      // pipeline_deploy.go convertStages: store.GetEnvironment for every stage.
      for (const stage of stages) environment(stage.name);
      // CodePipeline starts a release when the pipeline is created
      // (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-about-starting.html): its source is the
      // branch as pushed, its build reads the buildspec the manifest names from there and builds the images'
      // folders; its deploy stage is a service deploy (the buildspec's svc package --upload-assets pushes to the
      // service's ECR repository, which svc init created).
      const branch = manifest.source.properties.branch as string;
      const pushed = world.pushed.get(branch) ?? fail(line, `branch ${branch} is not pushed`);
      const needed = [manifest.build.buildspec as string, `copilot/pipelines/${name}/manifest.yml`];
      for (const stage of stages) {
        for (const service of Object.keys(stage.deployments ?? {})) {
          needed.push(`copilot/${service}/manifest.yml`, ...buildContexts(ws.service(service) ?? {}));
          checkServiceCanRun(world, folder, line, service, stage.name);
        }
      }
      for (const path of needed) if (!within(pushed, path)) fail(line, `${path} is not on branch ${branch}`);
      world.pipelines.add(name);
      return;
    }
    case 'copilot pipeline delete': {
      requireApp();
      // pipeline_delete.go getPipeline: "cannot find pipeline named %s" among the deployed ones.
      if (!world.pipelines.delete(name)) fail(line, `pipeline ${name} is not deployed`);
      return;
    }
    case 'copilot svc delete': {
      requireApp();
      if (!world.services.has(name)) fail(line, `service ${name} is not in the application`); // svc_delete.go Ask: store.GetService
      environment(flags.get('env') as string); // svc_delete.go: store.GetEnvironment
      world.deployments.delete(`${name}/${flags.get('env')}`);
      return;
    }
    case 'copilot env delete': {
      requireApp();
      environment(name);
      // env_delete.go validateNoRunningServices: "service %q still exist within the environment".
      if ([...world.deployments].some((deployment) => deployment.endsWith(`/${name}`))) fail(line, `a service still runs in ${name}`);
      // env_delete.go validateNoDependencyPipelines: a deployed pipeline with a stage for the environment.
      for (const pipeline of world.pipelines) {
        const manifest = ws.pipeline(pipeline);
        if (!manifest || manifest.stages.some((stage: { name: string }) => stage.name === name)) fail(line, `pipeline ${pipeline} deploys to ${name}`);
      }
      world.environments.delete(name);
      return;
    }
    default:
      fail(line, `the model does not know ${command}`);
  }
}

function walk(folder: string, commands: string[], world = emptyWorld()): World {
  for (const command of commands) step(world, folder, command);
  return world;
}

/** The README's commands, in order: the code blocks of "From nothing to deployed". */
function readmeCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## From nothing to deployed'), readme.indexOf('## One-off commands'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.flatMap((block) => block.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
}

/** The commands the run printed after `heading`: the indented lines that are not comments. */
function printedCommands(output: string, heading: string): string[] {
  const start = output.indexOf(heading);
  if (start < 0) return [];
  return output
    .slice(start)
    .split('\n')
    .filter((line) => /^ {5}\S/.test(line) && !line.trim().startsWith('#'))
    .map((line) => line.trim());
}

const FIRST_RUN = 'Written. Next';
const RE_RUN = 'Next, in AWS, for what this run changed';

async function generate(flags: string[]): Promise<{ folder: string; result: CliResult }> {
  const folder = temporaryFolder();
  // Without a domain the production environments need --allow-http (plain HTTP).
  const http = flags.includes('--domain') ? [] : ['--allow-http'];
  const result = await runCli(['--yes', '--app', 'demo', ...http, ...flags], folder);
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.code).toBe(0);
  return { folder, result };
}

const MATRIX = [
  { domain: true, repository: true, branches: 'main:prod' },
  { domain: true, repository: true, branches: 'develop:dev,release:staging,main:prod' },
  { domain: true, repository: false, branches: 'main:prod' },
  { domain: true, repository: false, branches: 'develop:dev,release:staging,main:prod' },
  { domain: false, repository: true, branches: 'main:prod' },
  { domain: false, repository: true, branches: 'develop:dev,release:staging,main:prod' },
  { domain: false, repository: false, branches: 'main:prod' },
  { domain: false, repository: false, branches: 'develop:dev,release:staging,main:prod' },
];

function flagsOf(row: (typeof MATRIX)[number], repository = 'https://github.com/example/demo'): string[] {
  return [
    ...(row.domain ? ['--domain', 'example.com'] : []),
    ...(row.repository ? ['--repository', repository] : []),
    '--branches',
    row.branches,
  ];
}

describe('the runbook from an empty AWS account', () => {
  test.each(MATRIX)('domain $domain, repository $repository, branches $branches: README and summary agree and walk to every environment deployed', async (row) => {
    const { folder, result } = await generate(flagsOf(row));
    const commands = readmeCommands(readText(folder, 'copilot/README.md'));
    expect(printedCommands(result.stdout + result.stderr, FIRST_RUN)).toEqual(commands);
    const world = walk(folder, commands);
    const environments = row.branches.split(',').map((pair) => pair.split(':')[1]);
    expect([...world.environments.keys()].sort()).toEqual([...environments].sort());
    for (const environment of environments) expect(world.environments.get(environment)?.deployed).toBe(true);
    expect(commands).not.toContainEqual(expect.stringContaining('storage init'));
    if (row.repository) {
      // Each environment gets a release: its pipeline, and the first one a deploy by hand too.
      expect(world.pipelines.size).toBe(environments.length);
      expect(world.deployments).toEqual(new Set([`django/${environments[0]}`]));
    } else {
      expect(world.pipelines.size).toBe(0);
      expect(world.deployments).toEqual(new Set(environments.map((environment) => `django/${environment}`)));
    }
  });

  test('Bitbucket and CodeCommit: a connection only where Copilot needs one', async () => {
    const bitbucket = await generate(['--repository', 'https://bitbucket.org/example/demo']);
    const bitbucketCommands = readmeCommands(readText(bitbucket.folder, 'copilot/README.md'));
    expect(bitbucketCommands).toContain('aws codestar-connections create-connection --provider-type Bitbucket --connection-name demo-bitbucket');
    walk(bitbucket.folder, bitbucketCommands);
    const codecommit = await generate(['--repository', 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/demo']);
    const codecommitCommands = readmeCommands(readText(codecommit.folder, 'copilot/README.md'));
    expect(codecommitCommands.some((command) => command.startsWith('aws '))).toBe(false);
    walk(codecommit.folder, codecommitCommands);
  });

  test('steps out of order are refused by the model', async () => {
    const { folder } = await generate(flagsOf(MATRIX[1]));
    const commands = readmeCommands(readText(folder, 'copilot/README.md'));
    const swapped = (first: string, second: string) => {
      const copy = [...commands];
      const [i, j] = [copy.findIndex((command) => command.startsWith(first)), copy.findIndex((command) => command.startsWith(second))];
      [copy[i], copy[j]] = [copy[j], copy[i]];
      return copy;
    };
    expect(() => walk(folder, swapped('copilot svc init', 'copilot svc deploy'))).toThrow('copilot svc init first');
    expect(() => walk(folder, swapped('copilot env deploy --name prod', 'copilot secret init'))).toThrow('is not deployed');
    expect(() => walk(folder, swapped('copilot env init --name dev', 'copilot app init'))).toThrow('copilot app init first');
    const pushedLast = [...commands.filter((command) => command !== 'git push origin HEAD:main'), 'git push origin HEAD:main'];
    expect(() => walk(folder, pushedLast)).toThrow('branch main is not pushed');
    expect(() => walk(folder, swapped('aws codestar-connections', 'copilot pipeline deploy --name demo-develop'))).toThrow('connection demo-github does not exist');
    expect(() => walk(folder, swapped('copilot secret init --name DJANGO_SUPERUSER_PASSWORD', 'copilot svc deploy'))).toThrow('DJANGO_SUPERUSER_PASSWORD missing');
  });

  test('every other Copilot command the README names (checking a template, one-off commands) is one Copilot lists', async () => {
    const { folder } = await generate(flagsOf(MATRIX[1]));
    const readme = readText(folder, 'copilot/README.md');
    const inline = [...readme.matchAll(/`(copilot [^`]+)`/g)].map((match) => match[1]);
    const inBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((match) => match[1].split('\n')).map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line.startsWith('copilot '));
    const named = [...new Set([...inline, ...inBlocks])];
    for (const command of ['copilot env package', 'copilot svc package', 'copilot svc exec', 'copilot task run']) {
      expect(named.some((line) => line.startsWith(command))).toBe(true);
    }
    for (const line of named.map((text) => text.replace(/ && .*$/, ''))) {
      // A bare mention in prose (`copilot pipeline deploy`) names a command; a line with flags must run as written.
      if (line.includes(' -')) expect(() => parseCommand(line)).not.toThrow();
      else expect(facts.commands[line]).toBeDefined();
    }
  });

  test('a flag Copilot does not list, or a needed one left out, is refused', () => {
    expect(() => parseCommand('copilot svc deploy --name django --environment dev')).toThrow('has no flag --environment');
    expect(() => parseCommand('copilot storage init -t Aurora')).toThrow('no such command');
    expect(() => parseCommand('copilot env init --name dev --default-config')).toThrow('needs --profile');
    expect(() => parseCommand('copilot svc init django')).toThrow('takes 0 argument(s)');
    expect(parseCommand('copilot app init demo --domain example.com').positionals).toEqual(['demo']);
  });
});

describe('a re-run prints the steps for what it changed', () => {
  test('an environment added, then removed: set up and deployed with its pipeline, then deleted in an order Copilot accepts', async () => {
    const { folder, result } = await generate(['--repository', 'https://github.com/example/demo', '--branches', 'develop:dev,main:prod']);
    const world = walk(folder, printedCommands(result.stdout + result.stderr, FIRST_RUN));

    const added = await runCli(['--yes', '--branches', 'develop:dev,main:prod,release:staging'], folder);
    expect(added.code).toBe(0);
    const addSteps = printedCommands(added.stdout + added.stderr, RE_RUN);
    expect(addSteps).toEqual(
      expect.arrayContaining([
        'copilot env init --name staging --profile default --default-config',
        'copilot env deploy --name staging',
        'copilot secret init --name DJANGO_SECRET_KEY',
        'copilot svc deploy --name django --env staging',
        'git push origin HEAD:release',
        'copilot pipeline deploy --name demo-release',
      ]),
    );
    expect(addSteps).not.toContainEqual(expect.stringContaining('create-connection'));
    walk(folder, addSteps, world);
    expect(world.pipelines).toEqual(new Set(['demo-develop', 'demo-main', 'demo-release']));

    // The removal deletes the pipeline's files: the model reads the stages of the pipelines still deployed from
    // what they were, so check the order against the world before the files go.
    const removedPipeline = readYaml(folder, 'copilot/pipelines/demo-release/manifest.yml');
    const removed = await runCli(['--yes', '--branches', 'develop:dev,main:prod', '--remove-environments'], folder);
    expect(removed.code).toBe(0);
    const removeSteps = printedCommands(removed.stdout + removed.stderr, RE_RUN);
    expect(removeSteps).toEqual(['copilot pipeline delete --name demo-release', 'copilot svc delete --name django --env staging', 'copilot env delete --name staging']);
    expect(removedPipeline.stages.map((stage: { name: string }) => stage.name)).toEqual(['staging']);
    walk(folder, removeSteps, world);
    expect(world.environments.has('staging')).toBe(false);
    expect(() => walk(folder, [removeSteps[2]], { ...world, environments: new Map([['staging', { deployed: true, secrets: new Set() }]]), deployments: new Set(['django/staging']) })).toThrow('a service still runs in staging');
  });

  test('pipelines written by a re-run: branches, connection and every pipeline', async () => {
    const { folder, result } = await generate(['--branches', 'develop:dev,main:prod']);
    const world = walk(folder, printedCommands(result.stdout + result.stderr, FIRST_RUN));
    const rerun = await runCli(['--yes', '--repository', 'https://github.com/example/demo'], folder);
    expect(rerun.code).toBe(0);
    const steps = printedCommands(rerun.stdout + rerun.stderr, RE_RUN);
    expect(steps).toContain('aws codestar-connections create-connection --provider-type GitHub --connection-name demo-github');
    walk(folder, steps, world);
    expect(world.pipelines).toEqual(new Set(['demo-develop', 'demo-main']));
  });

  test('an unchanged re-run prints no steps', async () => {
    const { folder } = await generate([]);
    const rerun = await runCli(['--yes'], folder);
    expect(rerun.stdout + rerun.stderr).not.toContain(RE_RUN);
    expect(rerun.stdout + rerun.stderr).not.toContain(FIRST_RUN);
  });
});
