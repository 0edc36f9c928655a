/**
 * `yo copilot-django:env <name> --branch <branch>`: adds one environment, and the pipeline of its branch, to a
 * project made by `copilot-django`. Everything else comes from the answers stored in .yo-rc.json, so nothing else
 * changes; the run itself is the app generator's (same plan, same merge).
 */
import { AnswersError, type RawAnswers } from '../shared/answers.js';
import { gitBranchName, copilotName } from '../shared/rules.js';
import { branchesRule, branchSlug, isProductionEnvironment, parseBranches } from '../shared/branches.js';
import { envCommand, type Command } from '../shared/command-line.js';
import CopilotDjangoGenerator, { type Options } from '../app/generator.js';

/** Its flags are its own (command-line.ts, envCommand): the answers it does not take are the stored ones. */
export default class EnvironmentGenerator extends CopilotDjangoGenerator {
  constructor(args?: string[], options?: Options) {
    super(args, options);
    // Checked by _collectAnswers, which names the command's usage; Yeoman's own check throws from the constructor.
    this.argument('name', { type: String, required: false, description: envCommand.arguments[0].description });
  }

  protected override _command(): Command {
    return envCommand;
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
    if (options.name === undefined) throw new AnswersError('<name> is missing: copilot-django env <name> --branch <branch> names the new environment.');
    const name = String(options.name);
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
    if (!existing) this._refuseNewPair(name, branch);
    const raw: RawAnswers = { ...this.storedRaw, branches: existing ? stored.branches : `${stored.branches},${branch}:${name}` };
    for (const key of Object.keys(raw) as Array<keyof RawAnswers>) this.sources[key] = 'stored';
    this.sources.branches = 'flag';
    return raw;
  }

  /** What --branches would refuse about the new pair, said in this command's terms (`<name>`, `--branch`). */
  private _refuseNewPair(name: string, branch: string): void {
    const { branches, domain, allowHttp } = this.previous!.answers;
    const pairs = parseBranches(branches);
    const taken = pairs.find((pair) => pair.branch === branch);
    if (taken) throw new AnswersError(`--branch ${JSON.stringify(branch)} is refused: it must be a branch no environment deploys from yet, and ${branch} deploys ${taken.environment}.`);
    const clash = pairs.find((pair) => branchSlug(pair.branch) === branchSlug(branch));
    if (clash) throw new AnswersError(`--branch ${JSON.stringify(branch)} is refused: its pipeline would have the name of ${clash.branch}'s (${branchSlug(branch)}).`);
    const broken = branchesRule(`${branches},${branch}:${name}`);
    if (broken) throw new AnswersError(`<name> ${JSON.stringify(name)} with --branch ${JSON.stringify(branch)} is refused: the project's branches would then not ${broken}.`);
    if (isProductionEnvironment(name) && domain === '' && !allowHttp) {
      throw new AnswersError(
        `<name> ${JSON.stringify(name)} is refused: it is named like a production environment, and the project has no domain, so its admin login would travel over plain HTTP. ` +
          'Run copilot-django --domain <domain> first, or copilot-django --allow-http to accept that.',
      );
    }
  }
}
