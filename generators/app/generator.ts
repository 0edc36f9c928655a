/**
 * `yo copilot-django`: questions → validated answers (stored in .yo-rc.json) → plan → write or merge.
 */
import { execFileSync } from 'node:child_process';
import type { Stats } from 'node:fs';
import Generator from 'yeoman-generator';
import { AnswersError, promptValidator, readStoredAnswers, validateAnswers, type AnswerSource } from '../shared/answers.js';
import { questions, type Answers, type QuestionName } from '../shared/questions.js';
import { decideText, mergeYaml } from '../shared/merge.js';
import { renderProject } from '../shared/render.js';
import { templatesRoot } from '../shared/paths.js';

type Options = Generator['options'] & Partial<Record<QuestionName, unknown>> & { yes?: boolean };

/** Flags Yeoman itself or `yo` may pass on to every generator. */
const ENVIRONMENT_FLAGS = new Set(['help', 'h', 'force', 'skip-install', 'skip-cache', 'skip-local-cache', 'ask-answered', 'dry-run', 'bail', 'force-install', 'whitespace', 'cwd', 'insight', 'no-insight', 'log-level']);

export default class CopilotDjangoGenerator extends Generator<Record<string, unknown>, Options> {
  private sources = {} as Record<QuestionName, AnswerSource>;
  private storedRaw: Partial<Record<QuestionName, unknown>> = {};
  /** Last run's answers when they are valid: the base of the three-way merge. */
  private previous?: Answers;
  answers!: Answers;

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
  }

  initializing(): void {
    this.refuseUnknownFlags();
    this.storedRaw = readStoredAnswers(this.config.getAll());
    try {
      this.previous = validateAnswers(this.storedRaw, () => 'stored');
    } catch {
      this.previous = undefined;
    }
  }

  async prompting(): Promise<void> {
    const raw: Partial<Record<QuestionName, unknown>> = {};
    const unanswered = [];
    const context = { destinationRoot: this.destinationRoot(), gitOrigin: () => this.gitOrigin() };
    for (const question of questions) {
      const fromFlag = this.options[question.name];
      if (fromFlag !== undefined) {
        raw[question.name] = fromFlag;
        this.sources[question.name] = 'flag';
      } else if (this.storedRaw[question.name] !== undefined && this.options.yes) {
        raw[question.name] = this.storedRaw[question.name];
        this.sources[question.name] = 'stored';
      } else if (this.options.yes) {
        raw[question.name] = question.default(context);
        this.sources[question.name] = 'default';
      } else {
        unanswered.push(question);
      }
    }
    if (unanswered.length > 0 && !this.canPrompt()) {
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
    this.answers = validateAnswers(raw, (name) => this.sources[name]);
  }

  writing(): void {
    const previousFiles = this.previous ? new Map(renderProject(this.previous).map((file) => [file.destination, file.contents])) : new Map<string, string>();
    for (const file of renderProject(this.answers)) {
      const destination = this.destinationPath(file.destination);
      const mine = this.fs.exists(destination) ? this.fs.read(destination) : undefined;
      const base = previousFiles.get(file.destination);
      if (mine !== undefined && file.merge === 'yaml') {
        const merged = mergeYaml(base, mine, file.contents);
        if (merged.changed) this.fs.write(destination, merged.text);
        continue;
      }
      if (decideText(base, mine, file.contents) === 'keep') continue;
      // mem-fs-editor keeps only `mode` of the stat it is given: the entrypoint must stay executable.
      this.fs.write(destination, file.contents, file.executable ? { stat: { mode: 0o100755 } as Stats } : {});
    }
    this.config.set({ ...this.answers });
  }

  /** minimist accepts any flag; a mistyped one must not be silently ignored. */
  private refuseUnknownFlags(): void {
    const known = new Set([...Object.keys(this._options), ...ENVIRONMENT_FLAGS]);
    for (const argument of this._args) {
      const match = /^--?(?:no-)?([^=]+)/.exec(argument);
      if (!match || argument === '-' || known.has(match[1])) continue;
      if (argument.startsWith('-') && !argument.startsWith('--') && argument.length > 2) continue;
      throw new AnswersError(`Unknown flag ${argument}: run with --help to list the flags.`);
    }
  }

  /** Prompts need a terminal: with stdin closed or piped, an unanswered question must fail, not pass silently. */
  private canPrompt(): boolean {
    const adapter = this.env.adapter as unknown as { actualAdapter?: { stdin?: NodeJS.ReadStream }; stdin?: NodeJS.ReadStream };
    const stdin = (adapter.actualAdapter ?? adapter).stdin;
    return stdin === undefined || Boolean(stdin.isTTY);
  }

  private gitOrigin(): string | undefined {
    try {
      return execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: this.destinationRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}
