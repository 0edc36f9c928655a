/**
 * `yo copilot-django:env <name> --branch <branch>`: adds one environment, and the pipeline of its branch, to a
 * project made by `copilot-django`. Everything else comes from the answers stored in .yo-rc.json, so nothing else
 * changes; the run itself is the app generator's (same plan, same merge).
 */
import { AnswersError, type RawAnswers } from '../shared/answers.js';
import { gitBranchName, copilotName } from '../shared/rules.js';
import { parseBranches } from '../shared/branches.js';
import CopilotDjangoGenerator, { type Options } from '../app/generator.js';

export default class EnvironmentGenerator extends CopilotDjangoGenerator {
  constructor(args?: string[], options?: Options) {
    super(args, options);
    this.argument('name', { type: String, required: true, description: 'Name of the new environment (a Copilot name)' });
    this.option('branch', { type: String, description: 'Branch whose pipeline deploys to the new environment (required)' });
  }

  // Yeoman queues only the methods of the class itself, not inherited ones: the run is the app generator's.
  override initializing(): void {
    super.initializing();
  }

  override async prompting(): Promise<void> {
    await super.prompting();
  }

  override configuring(): void {
    super.configuring();
  }

  override async writing(): Promise<void> {
    await super.writing();
  }

  override end(): void {
    super.end();
  }

  protected override async _collectAnswers(): Promise<RawAnswers> {
    if (!this.previous) {
      throw new AnswersError('copilot-django:env adds an environment to a project made by copilot-django, and this folder has no valid .yo-rc.json: run copilot-django first.');
    }
    const options = this.options as Options & { name?: unknown; branch?: unknown };
    const name = String(options.name ?? '');
    const branch = options.branch === undefined ? undefined : String(options.branch);
    const nameBroken = copilotName(name);
    if (nameBroken) throw new AnswersError(`<name> ${JSON.stringify(name)} is refused: it must ${nameBroken}.`);
    if (branch === undefined) throw new AnswersError(`--branch is missing: name the branch whose pipeline deploys to ${name}, e.g. --branch release.`);
    const branchBroken = gitBranchName(branch);
    if (branchBroken) throw new AnswersError(`--branch ${JSON.stringify(branch)} is refused: it must ${branchBroken}.`);

    const stored = this.previous.answers;
    const pairs = parseBranches(stored.branches);
    const existing = pairs.find((pair) => pair.environment === name);
    if (existing && existing.branch !== branch) {
      throw new AnswersError(`<name> "${name}" is refused: it exists already, deployed from branch ${existing.branch}, not ${branch}.`);
    }
    const raw: RawAnswers = { ...this.storedRaw, branches: existing ? stored.branches : `${stored.branches},${branch}:${name}` };
    for (const key of Object.keys(raw) as Array<keyof RawAnswers>) this.sources[key] = 'stored';
    this.sources.branches = 'flag';
    return raw;
  }
}
