/**
 * `yo copilot-django`: questions → validated answers (stored in .yo-rc.json) → plan → write or merge.
 * A re-run re-renders last run's output from the stored answers as the base of a three-way merge, so every edit
 * the user made survives (merge.ts).
 */
import { execFileSync } from 'node:child_process';
import type { Stats } from 'node:fs';
import Generator from 'yeoman-generator';
import { AnswersError, promptValidator, readStoredAnswers, readStoredState, validateAnswers, type AnswerSource, type RawAnswers } from '../shared/answers.js';
import { questions, type Answers, type QuestionName } from '../shared/questions.js';
import { decideText, mergeYaml } from '../shared/merge.js';
import { renderProject, type RenderedFile } from '../shared/render.js';
import { templatesRoot } from '../shared/paths.js';
import { NO_STATE, planSpotSwitch, removedEnvironments, type RunState } from '../shared/rerun.js';
import { nextSteps, spotSwitchSteps } from '../shared/messages.js';

export type Options = Generator['options'] & Partial<Record<QuestionName, unknown>> & { yes?: boolean; force?: boolean; 'remove-environments'?: boolean };

/** Flags Yeoman itself or `yo` may pass on to every generator. */
const ENVIRONMENT_FLAGS = new Set(['help', 'h', 'force', 'skip-install', 'skip-cache', 'skip-local-cache', 'ask-answered', 'dry-run', 'bail', 'force-install', 'whitespace', 'cwd', 'insight', 'log-level']);

/** Yeoman runs every method of the class as a task except those named with a leading underscore: helpers have one. */
export default class CopilotDjangoGenerator extends Generator<Record<string, unknown>, Options> {
  protected sources = {} as Record<QuestionName, AnswerSource>;
  protected storedRaw: RawAnswers = {};
  /** Last run's answers and state when valid: what the generator wrote then is the merge base. */
  protected previous?: { answers: Answers; state: RunState };
  answers!: Answers;
  private state: RunState = NO_STATE;
  private switchingNow: string[] = [];
  private removed: string[] = [];
  private keptConflicts: string[] = [];
  private deleted: string[] = [];

  constructor(args?: string[], options?: Options) {
    super(args, options);
    this.sourceRoot(templatesRoot());
    for (const question of questions) {
      this.option(question.name, {
        type: question.type === 'boolean' ? Boolean : String,
        description: `${question.message} (default: ${question.defaultDescription})`,
      });
    }
    this.option('yes', { type: Boolean, alias: 'y', description: 'Never prompt: take the stored answers, then the defaults' });
    this.option('remove-environments', {
      type: Boolean,
      description: 'Allow a re-run to remove environments no longer in --branches (their manifests and pipelines)',
    });
  }

  initializing(): void {
    this._refuseUnknownFlags();
    const stored = this.config.getAll();
    this.storedRaw = readStoredAnswers(stored);
    try {
      this.previous = { answers: validateAnswers(this.storedRaw, () => 'stored'), state: readStoredState(stored) };
    } catch {
      this.previous = undefined;
    }
  }

  async prompting(): Promise<void> {
    this.answers = validateAnswers(await this._collectAnswers(), (name) => this.sources[name]);
  }

  /** Everything is decided before anything is written: a refusal leaves the folder as it was. */
  configuring(): void {
    this.removed = removedEnvironments(this.previous?.answers, this.answers);
    if (this.removed.length > 0 && !this.options['remove-environments']) {
      const files = this._filesOfRemovedEnvironments().map((file) => file.destination);
      throw new AnswersError(
        `--branches ${JSON.stringify(this.answers.branches)} drops the environment(s) ${this.removed.join(', ')}. ` +
          `Removing them deletes ${files.join(', ')} and their service manifest overrides: pass --remove-environments to do so.`,
      );
    }
    const serviceManifest = this._readIfExists(`copilot/${this.answers.service}/manifest.yml`);
    const spot = planSpotSwitch(this.previous?.answers, this.previous?.state ?? NO_STATE, this.answers, serviceManifest);
    this.state = spot.state;
    this.switchingNow = spot.switchingNow;
  }

  async writing(): Promise<void> {
    const base = new Map(this._previousFiles().map((file) => [file.destination, file.contents]));
    for (const file of renderProject(this.answers, this.state)) {
      this._writeFile(file, base.get(file.destination));
    }
    await this._deleteRemovedEnvironmentFiles(base);
    this.config.set({ ...this.answers });
    if (this.state.spotSwitch.length > 0) this.config.set('spotSwitch', this.state.spotSwitch);
    else this.config.delete('spotSwitch');
  }

  end(): void {
    if (this.keptConflicts.length > 0) {
      this.log(
        `Kept your version of ${this.keptConflicts.join(', ')}: you changed them and the generator has changes for them too. ` +
          'Run again in a terminal without --yes to compare and choose, or with --force to take the generated version.',
      );
    }
    if (this.switchingNow.length > 0) this.log(spotSwitchSteps(this.answers, this.switchingNow));
    if (this.removed.length > 0) {
      this.log(`Removed the environment(s) ${this.removed.join(', ')}: deleted ${this.deleted.join(', ') || 'no file'} and their overrides in copilot/${this.answers.service}/manifest.yml.`);
      this.log('In AWS, delete them with:');
      for (const name of this.removed) this.log(`  copilot svc delete --name ${this.answers.service} --env ${name} && copilot env delete --name ${name}`);
    }
    if (!this.previous) this.log(nextSteps(this.answers));
  }

  /** Flags, then (with --yes) stored answers and defaults, then prompts for the rest. */
  protected async _collectAnswers(): Promise<RawAnswers> {
    const raw: RawAnswers = {};
    const unanswered = [];
    const context = { destinationRoot: this.destinationRoot(), gitOrigin: () => this._gitOrigin() };
    for (const question of questions) {
      const fromFlag = this.options[question.name];
      if (fromFlag !== undefined) {
        raw[question.name] = fromFlag;
        this.sources[question.name] = 'flag';
      } else if (this.options.yes && this.storedRaw[question.name] !== undefined) {
        raw[question.name] = this.storedRaw[question.name];
        this.sources[question.name] = 'stored';
      } else if (this.options.yes) {
        raw[question.name] = question.default(context);
        this.sources[question.name] = 'default';
      } else {
        unanswered.push(question);
      }
    }
    if (unanswered.length > 0 && !this._canPrompt()) {
      throw new AnswersError(
        `No terminal to ask on, and no answer for ${unanswered.map((question) => `--${question.name}`).join(', ')}: pass those flags, or --yes to take the stored answers and the defaults.`,
      );
    }
    for (const question of unanswered) {
      const suggested = this.storedRaw[question.name] ?? question.default(context);
      const validate = promptValidator(question);
      const response = await this.prompt<Record<string, unknown>>(
        question.type === 'boolean'
          ? [{ type: 'confirm', name: question.name, message: question.message, default: Boolean(suggested) }]
          : [{ type: 'input', name: question.name, message: question.message, default: String(suggested), validate }],
      );
      raw[question.name] = response[question.name];
      this.sources[question.name] = 'prompt';
    }
    return raw;
  }

  private _previousFiles(): RenderedFile[] {
    return this.previous ? renderProject(this.previous.answers, this.previous.state) : [];
  }

  private _filesOfRemovedEnvironments(): RenderedFile[] {
    return this._previousFiles().filter((file) => this.removed.includes((file.locals?.environment as { name?: string } | undefined)?.name ?? ''));
  }

  private _writeFile(file: RenderedFile, base: string | undefined): void {
    const destination = this.destinationPath(file.destination);
    const mine = this._readIfExists(file.destination);
    if (mine !== undefined && file.merge === 'yaml') {
      // The merge keeps every edit of the user's: its result needs no conflict question.
      const merged = mergeYaml(base, mine, file.contents);
      if (merged.changed) this._writeResolved(destination, merged.text);
      return;
    }
    const decision = decideText(base, mine, file.contents);
    if (decision === 'keep' || mine === file.contents) return;
    if (decision === 'write') {
      this._writeResolved(destination, file.contents, file.executable);
      return;
    }
    // The user changed a file the generator also changes: Yeoman's conflicter asks, or --force overwrites.
    // Without a terminal to ask on, the user's file stays and the run says so: never a silent overwrite.
    if (!this.options.force && (this.options.yes || !this._canPrompt())) {
      this.keptConflicts.push(file.destination);
      return;
    }
    this.fs.write(destination, file.contents, this._stat(file.executable));
  }

  /** Writes a file whose content is already decided (new, untouched since generated, or merged). */
  private _writeResolved(destination: string, contents: string, executable = false): void {
    this.fs.write(destination, contents, this._stat(executable));
    this._resolved(destination);
  }

  /** Tells Yeoman's conflicter the change is decided: no question, even for a file that exists. */
  private _resolved(destination: string): void {
    (this.fs.store.get(destination) as { conflicter?: string }).conflicter = 'force';
  }

  /** mem-fs-editor keeps only `mode` of the stat it is given: the entrypoint must stay executable. */
  private _stat(executable = false): { stat?: Stats } {
    return executable ? { stat: { mode: 0o100755 } as Stats } : {};
  }

  /** A removed environment's files go when they are as generated; a file the user changed needs a yes. */
  private async _deleteRemovedEnvironmentFiles(base: Map<string, string>): Promise<void> {
    for (const file of this._filesOfRemovedEnvironments()) {
      const mine = this._readIfExists(file.destination);
      if (mine === undefined) continue;
      let remove = mine === base.get(file.destination) || Boolean(this.options.force);
      if (!remove && this._canPrompt() && !this.options.yes) {
        const { confirmed } = await this.prompt<{ confirmed: boolean }>([
          { type: 'confirm', name: 'confirmed', message: `${file.destination} was changed since it was generated. Delete it?`, default: false },
        ]);
        remove = confirmed;
      }
      if (remove) {
        this.fs.delete(this.destinationPath(file.destination));
        this._resolved(this.destinationPath(file.destination));
        this.deleted.push(file.destination);
      } else this.log(`Kept ${file.destination}: it was changed since it was generated (delete it yourself, or re-run with --force).`);
    }
  }

  protected _readIfExists(path: string): string | undefined {
    const destination = this.destinationPath(path);
    return this.fs.exists(destination) ? this.fs.read(destination) : undefined;
  }

  /** minimist accepts any flag; a mistyped one must not be silently ignored. */
  private _refuseUnknownFlags(): void {
    const known = new Set([...Object.keys(this._options), ...ENVIRONMENT_FLAGS]);
    for (const argument of this._args) {
      const match = /^--(?:no-)?([^=]+)/.exec(argument);
      if (match && !known.has(match[1])) throw new AnswersError(`Unknown flag ${argument}: run with --help to list the flags.`);
    }
  }

  /** Prompts need a terminal: with stdin closed or piped, an unanswered question must fail, not pass silently. */
  protected _canPrompt(): boolean {
    const adapter = this.env.adapter as unknown as { actualAdapter?: { stdin?: NodeJS.ReadStream }; stdin?: NodeJS.ReadStream };
    const stdin = (adapter.actualAdapter ?? adapter).stdin;
    return stdin === undefined || Boolean(stdin.isTTY);
  }

  private _gitOrigin(): string | undefined {
    try {
      return execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: this.destinationRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}
