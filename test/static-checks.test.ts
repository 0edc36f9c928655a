/**
 * Checks of every generated file that need no running task: shellcheck on the shell scripts, `nginx -t` on the
 * nginx configuration inside the nginx image as built, each Dockerfile against the build context its manifest
 * names, and every Copilot manifest against the schema derived from copilot-cli's structs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { checkManifest, type ManifestKind } from './support/copilot-schema.js';
import { listFiles } from './support/generate.js';
import { describeWith, programPath } from './support/programs.js';
import { contextEntries, contextSourceOf } from './support/task/build-context.js';
import { commandForm, contextPath, copyArguments, exposedPorts, readDockerfile } from './support/task/dockerfile.js';
import { buildImage, runInImage } from './support/task/images.js';
import { manifestPaths, readTaskDefinition } from './support/task/manifest.js';
import { EXISTING_PROJECT_SETS, projectFor, STATIC_OPTION_SETS, type OptionSet } from './support/task/option-sets.js';
import { createScratch, run, teardown } from './support/task/processes.js';

const describeShellcheck = describeWith(['shellcheck']);
const describeNginx = describeWith(['root', 'unshare', 'nginx']);

/** Shell scripts: `*.sh`, and any file whose first line names sh, bash or dash. */
/**
 * The shell scripts the generator wrote: not git's own sample hooks in .git/, and not a team's scripts, which their
 * repository tracks (the generator's files are new, untracked there).
 */
function shellScripts(project: string): string[] {
  const theirs = new Set(existsSync(join(project, '.git')) ? execFileSync('git', ['ls-files'], { cwd: project, encoding: 'utf8' }).split('\n') : []);
  return listFiles(project).filter(
    (file) =>
      !file.startsWith('.git/') &&
      !theirs.has(file) &&
      (file.endsWith('.sh') || /^#!\s*\S*\/(env\s+)?(sh|bash|dash)\b/.test(readFileSync(join(project, file), 'utf8').split('\n')[0])),
  );
}

function environmentNames(project: string): string[] {
  return readdirSync(join(project, 'copilot', 'environments'));
}

/** Problems of one container's Dockerfile against its build context and the manifest's port. */
function buildContextProblems(project: string, environment: string): string[] {
  const problems: string[] = [];
  const definition = readTaskDefinition(project, environment);
  for (const container of definition.containers) {
    const where = `${container.name} (${relative(project, container.dockerfile)}, context ${relative(project, container.context)}/)`;
    const instructions = readDockerfile(container.dockerfile);
    const entries = contextEntries(container.context, container.dockerfile);
    for (const { keyword, text, line } of instructions.filter((instruction) => ['COPY', 'ADD'].includes(instruction.keyword))) {
      const copy = copyArguments(text);
      if (copy.from) continue;
      for (const source of copy.sources) {
        const path = contextPath(source);
        if (path !== '' && !entries.has(path)) problems.push(`${where}: line ${line} ${keyword} ${source}: not in the build context`);
      }
    }
    const entrypoint = instructions.filter((instruction) => instruction.keyword === 'ENTRYPOINT').pop();
    if (entrypoint) {
      const program = commandForm(entrypoint.text).argv[0];
      const source = program.startsWith('/') ? contextSourceOf(instructions, program) : undefined;
      const entry = source === undefined ? undefined : entries.get(source);
      if (program.startsWith('/') && !entry) problems.push(`${where}: ENTRYPOINT ${program} is not copied from the build context`);
      else if (entry && (entry.mode & 0o111) === 0) problems.push(`${where}: ENTRYPOINT ${program} (${source}) is not executable`);
    }
    const exposed = instructions.filter((instruction) => instruction.keyword === 'EXPOSE').flatMap((instruction) => exposedPorts(instruction.text));
    if (JSON.stringify(exposed) !== JSON.stringify([container.port])) {
      problems.push(`${where}: EXPOSE ${exposed.join(' ') || '(none)'} but the manifest's port is ${container.port}`);
    }
  }
  return problems;
}

function checksOfGeneratedFiles(optionSet: OptionSet): void {
  const branchCount = String(optionSet.rerunWith?.branches ?? optionSet.flags.branches).split(',').length;
  let project: string;

  beforeAll(async () => {
    project = await projectFor(optionSet);
  });

  describeShellcheck('shell scripts', () => {
    test('every shell script passes shellcheck', async () => {
      const scripts = shellScripts(project);
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) {
        const result = await run(programPath('shellcheck'), ['--format=gcc', '--external-sources', script], { env: { ...process.env } });
        expect({ script, problems: result.stdout + result.stderr }).toEqual({ script, problems: '' });
        // The image runs it as the ENTRYPOINT: git or the generator must keep the run bit.
        expect({ script, executable: (statSync(join(project, script)).mode & 0o111) !== 0 }).toEqual({ script, executable: true });
      }
    });
  });

  describeNginx('nginx configuration', () => {
    let scratch: string;
    beforeAll(() => {
      scratch = createScratch('static-checks-');
    });
    afterAll(() => teardown());

    test('nginx -t accepts nginx.conf as the nginx image installs it, run as the image user', async () => {
      const definition = readTaskDefinition(project, environmentNames(project)[0]);
      let checked = 0;
      for (const container of definition.containers) {
        const image = await buildImage(scratch, `check-${container.name}`, container.dockerfile, container.context);
        if (![...image.entrypoint, ...image.cmd].includes('nginx')) continue;
        const result = await runInImage(scratch, image, ['nginx', '-t']);
        expect(result.output).toContain('test is successful');
        expect(result.code).toBe(0);
        checked++;
      }
      expect(checked).toBe(1);
    }, 60_000);
  });

  test('each Dockerfile matches its build context and its manifest port, in every environment', () => {
    for (const environment of environmentNames(project)) {
      expect({ environment, problems: buildContextProblems(project, environment) }).toEqual({ environment, problems: [] });
    }
  });

  test('every service, environment and pipeline manifest passes the Copilot schema check', () => {
    const paths = manifestPaths(project);
    const kinds: [ManifestKind, string[]][] = [
      ['service', paths.services],
      ['environment', paths.environments],
      ['pipeline', paths.pipelines],
    ];
    expect(paths.services).toHaveLength(1);
    // One environment and one pipeline per branch.
    expect(paths.environments).toHaveLength(branchCount);
    expect(paths.pipelines).toHaveLength(branchCount);
    for (const [kind, files] of kinds) {
      for (const file of files) {
        const manifest = relative(project, file);
        expect({ manifest, problems: checkManifest(kind, parse(readFileSync(file, 'utf8'))) }).toEqual({ manifest, problems: [] });
      }
    }
  });
}

describe.each(STATIC_OPTION_SETS)('generated files ($label)', checksOfGeneratedFiles);
// The team's own projects are made with Debian's Django (django-admin startproject).
describeWith(['django']).each(EXISTING_PROJECT_SETS)('generated files ($label)', checksOfGeneratedFiles);
