/**
 * `yo copilot-django`: questions → validated answers (stored in .yo-rc.json) → plan → render → reconcile → write.
 * .yo-rc.json also records the version that wrote and a hash of each file it wrote: a re-run renders exactly what
 * was written then (the stored answers with that version's templates, released.ts) and reconciles each file with
 * it (reconcile.ts), so a file left as written takes the new version and every edit the user made survives.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, type Stats } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import Generator from 'yeoman-generator';
import { AnswersError, booleanFlag, parseBoolean, promptValidator, readStoredAnswers, readStoredState, repairedStoredAnswers, validateAnswers, type AnswerSource, type RawAnswers } from '../shared/answers.js';
import { droppedParts, flagOf, OPTIONAL_PARTS, questions, unstoredAnswers, type Answers, type DefaultsContext, type OptionalPart, type QuestionName } from '../shared/questions.js';
import { chooseSettings, chooseWsgi, findManagePyFolders, resolveProject, type ExistingProject, type SettingsChoice } from '../shared/detect.js';
import { addRequirements, missingRequirements, requirementsWithIncludes } from '../shared/requirements.js';
import { describeConflict, type YamlConflict } from '../shared/merge.js';
import { compareVersions, contentHash, readRecord, reconcile, removal, type FileAction, type RunRecord, type Written } from '../shared/reconcile.js';
import { UNRECORDED_VERSION } from '../shared/released.js';
import { packageVersion } from '../shared/paths.js';
import { renderFiles, renderProject, type RenderedFile } from '../shared/render.js';
import { templatesRoot } from '../shared/paths.js';
import { NO_STATE, environmentNames, planSpotSwitch, removedEnvironments, renameRefusal, type RunState } from '../shared/rerun.js';
import { manifestEnvironmentNames, runReport } from '../shared/report.js';
import { planContext, type TemplateContext } from '../shared/plan.js';
import { findWorkloadDatabase } from '../shared/database.js';
import { PATCH_FILE, overrideTargets, updatePatchFile } from '../shared/overrides.js';
import { withoutCredentials } from '../shared/repository.js';
import { leavingLinksMessage, linksLeavingRoot } from '../shared/symlinks.js';
import { planFiles } from '../shared/files.js';
import { ROOT_README, rootReadmeIsGuide } from '../shared/guide.js';
import type { Manifest } from '../shared/copilot-manifest.js';
import { appCommand, readArguments, type Command } from '../shared/command-line.js';
import { helpText } from '../shared/help.js';
import { findProjectRoot, projectRootNotice } from '../shared/project-root.js';
import { hideRecordLines, withoutTaskErrors } from './output.js';

/**
 * Options that reach a generator without being flags of its command: what yeoman-environment and yeoman-test pass to
 * every generator, and the flags of `yo` itself (`--no-insight`, `--local-only`, `--no-color`).
 */
const YEOMAN_INTERNAL_OPTIONS = [
  'env',
  'resolved',
  'namespace',
  'description',
  'sharedData',
  'forwardErrorToEnvironment',
  'skipLocalCache',
  'localConfigOnly',
  'destinationRoot',
  'logCwd',
  '_meta',
  'insight',
  'localOnly',
  'color',
];

export type Options = Generator['options'] & Partial<Record<QuestionName, unknown>> & { yes?: boolean; force?: boolean; 'remove-environments'?: boolean; 'confirm-rename'?: boolean; cwd?: string };

/** Yeoman runs every method of the class as a task except those named with a leading underscore: helpers have one. */
export default class CopilotDjangoGenerator extends Generator<Record<string, unknown>, Options> {
  protected sources = {} as Record<QuestionName, AnswerSource>;
  protected storedRaw: RawAnswers = {};
  /** Last run's answers and state when valid: what the generator wrote then is the merge base. */
  protected previous?: { answers: Answers; state: RunState };
  /** The state stored in .yo-rc.json by the last run; undefined on a first run. */
  private storedState?: RunState;
  private storedForBase: RawAnswers = {};
  answers!: Answers;
  private state: RunState = NO_STATE;
  private switchingNow: string[] = [];
  private switchedDirectly: string[] = [];
  private removed: string[] = [];
  /** The optional parts (questions.ts OPTIONAL_PARTS) the last run wrote and this one turns off. */
  private droppedParts: OptionalPart[] = [];
  private keptConflicts: string[] = [];
  /** YAML values the user and the generator both changed, kept as the user has them (merge.ts). */
  private keptYamlConflicts: Array<{ file: string } & YamlConflict> = [];
  private deleted: string[] = [];
  private project?: ExistingProject;
  /** The service stack's own database addon, when the project has one (database.ts): it stays, and no other is added. */
  private workloadDatabase?: string;
  private addedRequirements: string[] = [];
  private previousFiles?: Map<string, RenderedFile>;
  /** This run's plan, computed once (_plan). */
  private plan?: TemplateContext;
  /** What the last run recorded: the version that wrote, and a hash per file it wrote (reconcile.ts). */
  private record?: RunRecord;
  /** This run's record: the hash of each file's text as this version writes it, the base of the next run. */
  private written = new Map<string, string>();
  /** Files that were as the last run wrote them and now hold this version's text. */
  private updated: string[] = [];
  /** Files whose edits were kept while the generator's changes were merged in. */
  private merged: string[] = [];
  /** Files of the team's that got the generator's lines appended (.gitignore) or the guide's section (README.md). */
  private appended: string[] = [];
  /** What the run says about Copilot's Lambda runtime patches (overrides.ts). */
  private overrideNotices: string[] = [];
  private writtenOverrides: string[] = [];
  /** Where the repository URL held credentials that were dropped (never what they were). */
  private droppedCredentials = new Set<string>();

  /** A refused argument or flag value, thrown by initializing (the constructor must let `--help` print). */
  private refusedArguments?: Error;
  /** Where the run writes, when that is not where it was started. */
  private rootNotice?: string;

  // customInstallTask: this generator never installs npm packages, so Yeoman's package manager step stays silent.
  constructor(args?: string[], options?: Options) {
    super(args as string[], options as Options, { customInstallTask: true });
    this.sourceRoot(templatesRoot());
    for (const flag of this._command().flags) this.option(flag.name, { type: flag.boolean ? Boolean : String, alias: flag.alias, description: flag.description });
    // Yeoman's constructor stops early for `--help`: only help() is called then.
    if (this.options.help) return;
    this._refuseUnknownOptions(options ?? ({} as Options));
    this._readBooleanFlags(options ?? ({} as Options));
    this._chooseProjectRoot(options ?? ({} as Options));
    (this as { log: unknown }).log = withoutTaskErrors(this.log as never);
    hideRecordLines(this.env.adapter.log as never);
  }

  /** The command whose flags this generator takes (command-line.ts): `copilot-django` here, `copilot-django env` in env. */
  protected _command(): Command {
    return appCommand;
  }

  /**
   * `yo` hands every flag it was given to the generator as an option, known or not (`--spto` would pass silently):
   * what is neither one of this command's flags, nor Yeoman's own, nor what Yeoman and `yo` pass internally, is refused
   * as the copilot-django command refuses it (command-line.ts).
   */
  private _refuseUnknownOptions(options: Options): void {
    const camel = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const declared = Object.entries((this as unknown as { _options: Record<string, { alias?: string }> })._options).flatMap(([name, spec]) => [name, camel(name), spec.alias ?? name]);
    const known = new Set([...declared, ...YEOMAN_INTERNAL_OPTIONS]);
    const unknown = Object.keys(options).filter((key) => !known.has(key) && !known.has(camel(key)));
    // yo gives `--remove-env` as both remove-env and removeEnv: named once, as typed.
    const named = unknown.filter((key) => !unknown.some((other) => other !== key && other.includes('-') && camel(other) === key));
    if (named.length > 0) this.refusedArguments = new AnswersError(`Unknown flag --${named[0]}: run with --help to list the flags.`);
  }

  /**
   * Yeoman's parsing makes any value of a boolean flag true (`--spot=no`): each is read again, as typed on the
   * command line or as `yo` and callers pass it, and must be yes/no, true/false or 1/0.
   */
  private _readBooleanFlags(options: Options): void {
    try {
      const typed = readArguments(this._command(), this._args).booleans;
      for (const flag of this._command().flags.filter(({ boolean, name }) => boolean && name !== 'help' && name !== 'version')) {
        const camel = flag.name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
        const raw = typed.has(flag.name) ? typed.get(flag.name) : ((options as Record<string, unknown>)[flag.name] ?? (options as Record<string, unknown>)[camel]);
        if (raw !== undefined) (this.options as Record<string, unknown>)[flag.name] = booleanFlag(flag.name, raw);
      }
    } catch (error) {
      this.refusedArguments = error as Error;
      this.options.force = false;
    }
  }

  /** `--cwd`, else the project root above the working folder (project-root.ts); the conflicter's paths are relative to it. */
  private _chooseProjectRoot(options: Options): void {
    const cwd = this.options.cwd;
    if (typeof cwd === 'string' && cwd.trim() !== '') this.destinationRoot(resolve(this.env.cwd, cwd));
    else if (cwd !== undefined) this.refusedArguments ??= new AnswersError('--cwd needs a folder: --cwd <folder>.');
    else if (options.destinationRoot === undefined) {
      const found = findProjectRoot(this.destinationRoot());
      this.rootNotice = projectRootNotice(this.destinationRoot(), found);
      this.destinationRoot(found.root);
    }
    (this.options as Record<string, unknown>).logCwd = this.destinationRoot();
  }

  /** The help of this command, for `yo copilot-django --help` (`copilot-django --help` prints the same). */
  override help(): string {
    return helpText(this._command(), 'yo copilot-django');
  }

  initializing(): void {
    if (this.refusedArguments) throw this.refusedArguments;
    if (this.rootNotice) this.log(this.rootNotice);
    const stored = this.config.getAll();
    this.storedRaw = this._withoutCredentials(readStoredAnswers(stored), '.yo-rc.json');
    const state = readStoredState(stored);
    this.storedState = Object.keys(stored).length > 0 ? state : undefined;
    if (this.storedState) this._readRecord(stored);
    // A record from before a question existed has no answer to it: the question table says what that run did.
    this.storedForBase = { ...unstoredAnswers(), ...this.storedRaw };
    try {
      this.previous = { answers: validateAnswers(this.storedForBase, () => 'stored'), state };
    } catch {
      // A value broken by hand in .yo-rc.json: refused when it is used (--yes); the merge base is settled once this
      // run's answers are known (prompting), and the project's mode is the stored one meanwhile.
      this.previous = undefined;
    }
  }

  /** The record of the last run; a project a newer version wrote is refused (its files would be taken back). */
  private _readRecord(stored: Record<string, unknown>): void {
    this.record = readRecord(stored, UNRECORDED_VERSION);
    if (compareVersions(this.record.version, packageVersion()) > 0) {
      throw new AnswersError(
        `.yo-rc.json says version ${this.record.version} of generator-copilot-django wrote this project, and this is ${packageVersion()}: ` +
          `an older version would take back what the newer one wrote. Run ${this.record.version} or newer.`,
      );
    }
  }

  async prompting(): Promise<void> {
    const raw = await this._collectAnswers();
    const from = this.sources.repository === 'prompt' ? 'your answer' : '--repository';
    this.answers = validateAnswers(this._withoutCredentials(raw, from), (name) => this.sources[name]);
    if (!this.previous && this.storedState) {
      // What the last run wrote: its answers, with each value broken by hand since replaced by this run's.
      try {
        this.previous = { answers: validateAnswers(repairedStoredAnswers(this.storedForBase, this.answers), () => 'stored'), state: this.storedState };
      } catch {
        this.previous = undefined;
      }
    }
  }

  /** `raw` with a repository URL stripped of its credentials (repository.ts), before any message can show it. */
  private _withoutCredentials(raw: RawAnswers, from: string): RawAnswers {
    if (typeof raw.repository !== 'string') return raw;
    const { url, dropped } = withoutCredentials(raw.repository.trim());
    if (!dropped) return raw;
    this.droppedCredentials.add(from);
    return { ...raw, repository: url };
  }

  /** Everything is decided before anything is written: a refusal leaves the folder as it was. */
  configuring(): void {
    const existingProject = this._detectProject();
    // A guide an earlier version wrote as the root README.md stays there, in this run's files and in the base (guide.ts).
    const guideAtRoot = !existingProject && rootReadmeIsGuide(this._readIfExists(ROOT_README));
    if (this.previous) this.previous = { ...this.previous, state: { ...this.previous.state, guideAtRoot } };
    this._refuseUnconfirmedRename();
    this.removed = removedEnvironments(this.previous?.answers, this.answers);
    if (this.removed.length > 0 && !this.options['remove-environments']) {
      const files = this._filesOfRemovedParts().filter((file) => file.parts === undefined).map((file) => file.destination);
      throw new AnswersError(
        `--branches ${JSON.stringify(this.answers.branches)} drops the environment(s) ${this.removed.join(', ')}. ` +
          `Removing them deletes ${files.join(', ')} and their service manifest overrides: pass --remove-environments to do so.`,
      );
    }
    this.droppedParts = droppedParts(this.previous?.answers, this.answers);
    const unconsented = OPTIONAL_PARTS.filter((part) => this.droppedParts.includes(part.answer) && !(this.options as Record<string, unknown>)[part.flag]);
    if (unconsented.length > 0) {
      throw new AnswersError(
        unconsented
          .map((part) => {
            const files = this._filesOfRemovedParts().filter((file) => file.parts?.includes(part.answer)).map((file) => file.destination);
            const value = this.answers[part.answer];
            const flag = `--${flagOf({ name: part.answer })}${typeof value === 'boolean' ? '=no' : ` ${value}`}`;
            return `${flag} turns off ${part.what}: removing deletes ${files.join(', ') || 'no file'}. Pass --${part.flag} to do so.`;
          })
          .join('\n') + '\nNothing was written.',
      );
    }
    const serviceManifest = this._readIfExists(`copilot/${this.answers.service}/manifest.yml`);
    const spot = planSpotSwitch(this.previous?.answers, this.previous?.state ?? NO_STATE, this.answers, serviceManifest);
    this.workloadDatabase = findWorkloadDatabase(this.destinationRoot(), this.answers.service);
    const separateFiles = existingProject && (this.previous ? this.previous.state.separateFiles : true);
    this.state = { ...spot.state, existingProject, environmentDatabase: this.workloadDatabase === undefined, separateFiles, guideAtRoot };
    this.switchingNow = spot.switchingNow;
    this.switchedDirectly = spot.switchedDirectly;
    this._refuseLinksLeavingRepository();
  }

  /** Every path the run may write or delete, checked before anything is written (symlinks.ts). */
  private _refuseLinksLeavingRepository(): void {
    const requirements = this.state.existingProject ? this.project?.requirements : undefined;
    const paths = [
      '.yo-rc.json',
      ...planFiles(this._plan()).map((file) => file.destination),
      ...(requirements && this.project ? [posix.join(this.project.dir, requirements.file)] : []),
      ...this._filesOfRemovedParts().map((file) => file.destination),
      ...overrideTargets(this.answers.service, {}, new Map(), false, this._jobs(), this._workerManifests(() => ({}))).map((target) => `${target.folder}/${PATCH_FILE}`),
    ];
    const links = linksLeavingRoot(this.destinationRoot(), paths);
    if (links.length > 0) throw new AnswersError(leavingLinksMessage(links));
  }

  /** Whether the team's own Django project is deployed, and which one (detect.ts resolveProject); refuses what cannot be. */
  private _detectProject(): boolean {
    const { existing, project } = resolveProject(this.destinationRoot(), this.answers, this.storedState?.existingProject);
    this.project = project;
    return existing;
  }

  async writing(): Promise<void> {
    for (const file of renderFiles(this._plan())) {
      await this._writeFile(file);
      this.written.set(file.destination, contentHash(file.contents));
    }
    this._addRequirements();
    await this._deleteRemovedFiles();
    this._writeRuntimeOverrides();
    this.config.set({ ...this.answers });
    // A file written before and not rendered now (the requirements.txt of a project that has its own since) stays ours.
    const removedFiles = new Set(this._filesOfRemovedParts().map((file) => file.destination));
    for (const [path, hash] of this.record?.written ?? []) {
      if (!this.written.has(path) && !removedFiles.has(path) && this._readIfExists(path) !== undefined) this.written.set(path, hash);
    }
    this.config.set('version', packageVersion());
    this.config.set('written', Object.fromEntries([...this.written].sort(([a], [b]) => a.localeCompare(b))));
    if (this.state.spotSwitch.length > 0) this.config.set('spotSwitch', this.state.spotSwitch);
    else this.config.delete('spotSwitch');
    if (this.state.existingProject) this.config.set('existingProject', true);
    if (this.state.separateFiles) this.config.set('separateFiles', true);
    if (this.state.environmentDatabase) this.config.set('environmentDatabase', true);
    else this.config.delete('environmentDatabase');
  }

  /** What the run did and what comes next, composed by report.ts from what this run found and did. */
  end(): void {
    const context = this._plan();
    const manifest = (parse(this._readIfExists(`copilot/${this.answers.service}/manifest.yml`) ?? '') as Manifest | null) ?? {};
    const teamFiles = [
      `${context.djangoPrefix}Dockerfile`,
      `${context.djangoPrefix}entrypoint.sh`,
      `${context.djangoPrefix}.dockerignore`,
      'nginx/',
      ...['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'],
    ].filter((path) => existsSync(this.destinationPath(path)));
    const lines = runReport({
      answers: this.answers,
      state: this.state,
      project: this.project,
      context,
      previousContext: this.previous && planContext(this.previous.answers, this.previous.state, this.project),
      droppedCredentials: [...this.droppedCredentials],
      teamFiles,
      builtDockerfileIsGenerated: this._readIfExists(context.djangoDockerfile)?.includes('DJANGO_SETTINGS_MODULE=copilot_deploy.settings') ?? false,
      manifestEnvironment: manifestEnvironmentNames(manifest),
      updated: this.updated,
      merged: this.merged,
      appended: this.appended,
      addedRequirements: this.addedRequirements,
      keptConflicts: this.keptConflicts,
      writtenOverrides: this.writtenOverrides,
      overrideNotices: this.overrideNotices,
      keptYamlConflicts: this.keptYamlConflicts,
      switchingNow: this.switchingNow,
      switchedDirectly: this.switchedDirectly,
      removed: this.removed,
      removedParts: OPTIONAL_PARTS.filter((part) => this.droppedParts.includes(part.answer)).map((part) => part.what),
      deleted: this.deleted,
      workloadDatabase: this.workloadDatabase,
    });
    for (const line of lines) this.log(line);
  }

  /** A re-run that changes what `copilot app init` fixed is refused unless --confirm-rename (rerun.ts renameRefusal). */
  private _refuseUnconfirmedRename(): void {
    const refusal = this.options['confirm-rename'] ? undefined : renameRefusal(this.previous?.answers, this.answers);
    if (refusal) throw new AnswersError(refusal);
  }

  /**
   * Flags, then (with --yes) stored answers and defaults, then prompts, in the questions' order: a later default
   * (the WSGI application) may depend on an earlier answer (the settings module).
   */
  protected async _collectAnswers(): Promise<RawAnswers> {
    const raw: RawAnswers = {};
    const unanswered = [];
    const context = this._defaultsContext(raw);
    for (const question of questions) {
      const fromFlag = (this.options as Record<string, unknown>)[flagOf(question)];
      const stored = this.storedRaw[question.name];
      const reason = question.askReason ? question.askReason(context) : 'every question is asked';
      const asked = reason !== undefined;
      if (fromFlag !== undefined) {
        raw[question.name] = fromFlag;
        this.sources[question.name] = 'flag';
      } else if (stored !== undefined && (this.options.yes || !asked)) {
        raw[question.name] = stored;
        this.sources[question.name] = 'stored';
      } else if (asked && this.options.yes && question.askReason) {
        throw new AnswersError(`--yes cannot choose --${flagOf(question)}: ${reason}. Pass --${flagOf(question)}.`);
      } else if (this.options.yes || !asked) {
        raw[question.name] = question.default(context);
        this.sources[question.name] = 'default';
      } else if (!this._canPrompt()) {
        unanswered.push(question);
      } else {
        if (question.askReason) this.log(`${reason[0].toUpperCase()}${reason.slice(1)}.`);
        raw[question.name] = await this._ask(question, this.storedRaw[question.name] ?? question.default(context), context);
        this.sources[question.name] = 'prompt';
      }
    }
    if (unanswered.length > 0) {
      throw new AnswersError(
        `No terminal to ask on, and no answer for ${unanswered.map((question) => `--${flagOf(question)}`).join(', ')}: pass those flags, or --yes to take the stored answers and the defaults.`,
      );
    }
    return raw;
  }

  /** A yes/no question is a confirm; one with answers to offer (several manage.py) a list, each checked by its rule. */
  private async _ask(question: (typeof questions)[number], suggested: unknown, context: DefaultsContext): Promise<unknown> {
    const validate = promptValidator(question);
    const choices = question.choices?.(context) ?? [];
    const { name, message } = question;
    const response = await this.prompt<Record<string, unknown>>(
      question.type === 'boolean'
        ? [{ type: 'confirm', name, message, default: parseBoolean(suggested) ?? false }]
        : choices.length > 1
          ? [{ type: 'select', name, message, default: String(suggested), choices: choices.map((value) => ({ value, name: value, disabled: validate(value) === true ? false : String(validate(value)) })) }]
          : [{ type: 'input', name, message, default: String(suggested), validate }],
    );
    return response[question.name];
  }

  /** Defaults read the answers given so far (`raw`, normalised as validation will). */
  private _defaultsContext(raw: RawAnswers): DefaultsContext {
    let folders: string[] | undefined;
    const answer = (name: 'djangoDir' | 'settings'): string => {
      const question = questions.find((entry) => entry.name === name)!;
      const value = raw[name];
      return typeof value === 'string' ? (question.normalize as (text: string) => string)(value) : '';
    };
    /** The team's project folder, when the answered --django-dir holds one (a new project of ours does not count). */
    const teamProject = (): string | undefined => {
      if (this.previous && !this.previous.state.existingProject) return undefined;
      const folder = this.destinationPath(answer('djangoDir') || '.');
      return existsSync(join(folder, 'manage.py')) ? folder : undefined;
    };
    const settingsChoice = (): SettingsChoice | undefined => {
      const folder = teamProject();
      return folder ? chooseSettings(folder) : undefined;
    };
    return {
      destinationRoot: this.destinationRoot(),
      gitOrigin: () => this._gitOrigin(),
      managePyFolders: () => (folders ??= findManagePyFolders(this.destinationRoot())),
      settingsChoice,
      answered: (name) => {
        const question = questions.find((entry) => entry.name === name)!;
        const value = raw[name];
        if (value === undefined) return undefined;
        return typeof value === 'string' ? (question.normalize as (text: string) => string)(value) : value;
      },
      wsgiChoice: () => {
        const folder = teamProject();
        const settings = answer('settings') || settingsChoice()?.module;
        return folder && settings ? chooseWsgi(folder, settings) : undefined;
      },
    };
  }

  /**
   * What the last run wrote, rendered once: the stored answers with the templates of the version that wrote them
   * (none when this package does not keep that version's templates: then only the record's hashes are known).
   */
  private _previousFiles(): Map<string, RenderedFile> {
    if (!this.previousFiles) {
      const files = this.previous ? (renderProject(this.previous.answers, this.previous.state, this.project, this.record?.version) ?? []) : [];
      this.previousFiles = new Map(files.map((file) => [file.destination, file]));
    }
    return this.previousFiles;
  }

  /** What the last run wrote at `destination`: its recorded hash, and its text where the rendering is exactly that. */
  private _written(destination: string): Written | undefined {
    if (!this.record) return undefined;
    const hash = this.record.written.get(destination);
    const text = this._previousFiles().get(destination)?.contents;
    return { hash, text: text !== undefined && (hash === undefined || contentHash(text) === hash) ? text : undefined };
  }

  /** gunicorn and a PostgreSQL driver, appended to the team's requirements when missing; nothing else changes. */
  private _addRequirements(): void {
    const requirements = this.state.existingProject ? this.project?.requirements : undefined;
    if (!requirements || !this.project) return;
    const path = this.destinationPath(this.project.dir, requirements.file);
    const missing = missingRequirements(requirementsWithIncludes(path), this.project.djangoVersion, {
      worker: this.answers.worker === 'celery',
      media: this.answers.media === 's3',
    });
    if (missing.length === 0) return;
    this._writeResolved(path, addRequirements(this.fs.read(path), requirements.kind, missing));
    this.addedRequirements = missing;
  }

  /** What the last run wrote for environments dropped from --branches and for parts turned off (media, worker, jobs). */
  private _filesOfRemovedParts(): RenderedFile[] {
    return [...this._previousFiles().values()].filter(
      (file) => this.removed.includes((file.locals?.environment as { name?: string } | undefined)?.name ?? '') || (file.parts ?? []).some((part) => this.droppedParts.includes(part)),
    );
  }

  /** Writes what reconcile.ts decides for the file; conflicts are asked at a terminal, taken with --force, else kept and told. */
  private async _writeFile(file: RenderedFile): Promise<void> {
    const destination = this.destinationPath(file.destination);
    const facts = { merge: file.merge, next: file.contents, mine: this._readIfExists(file.destination), written: this._written(file.destination) };
    let decision: FileAction = reconcile(facts);
    if (decision.action === 'merge' || decision.action === 'keep') {
      const { conflicts } = decision;
      if (conflicts.length > 0) {
        const take = await this._resolveYamlConflicts(file.destination, conflicts);
        if (take.size > 0) decision = reconcile(facts, (path) => take.has(path));
        this.keptYamlConflicts.push(...conflicts.filter((conflict) => !take.has(conflict.path)).map((conflict) => ({ file: file.destination, ...conflict })));
      }
    }
    switch (decision.action) {
      case 'keep':
        return;
      case 'create':
        this._writeResolved(destination, decision.text, file.executable);
        return;
      case 'update':
      case 'merge':
        (decision.action === 'update' ? this.updated : file.merge === 'yaml' ? this.merged : this.appended).push(file.destination);
        this._writeResolved(destination, decision.text, file.executable);
        return;
      case 'conflict':
        // Yeoman's conflicter asks, or --force overwrites. Without a terminal to ask on, the user's file stays and
        // the run says so: never a silent overwrite.
        if (!this.options.force && (this.options.yes || !this._canPrompt())) this.keptConflicts.push(file.destination);
        else this.fs.write(destination, decision.text, this._stat(file.executable));
    }
  }

  /** The conflict paths of one YAML file where the generator's value is taken: all with --force, asked at a terminal. */
  private async _resolveYamlConflicts(file: string, conflicts: YamlConflict[]): Promise<Set<string>> {
    if (this.options.force) return new Set(conflicts.map((conflict) => conflict.path));
    if (this.options.yes || !this._canPrompt()) return new Set();
    const take = new Set<string>();
    for (const conflict of conflicts) {
      const { confirmed } = await this.prompt<{ confirmed: boolean }>([
        { type: 'confirm', name: 'confirmed', message: `${file}: ${describeConflict(conflict)}. Take the generator's value?`, default: false },
      ]);
      if (confirmed) take.add(conflict.path);
    }
    return take;
  }

  /** Writes a file whose content is already decided (new, untouched since generated, or merged). */
  private _writeResolved(destination: string, contents: string, executable = false): void {
    this.fs.write(destination, contents, this._stat(executable));
    this._resolved(destination);
  }

  /** Tells Yeoman's conflicter the change to an existing file is decided: no question (a new file needs none). */
  private _resolved(destination: string): void {
    if (existsSync(destination)) (this.fs.store.get(destination) as { conflicter?: string }).conflicter = 'force';
  }

  /** mem-fs-editor keeps only `mode` of the stat it is given: the entrypoint must stay executable. */
  private _stat(executable = false): { stat?: Stats } {
    return executable ? { stat: { mode: 0o100755 } as Stats } : {};
  }

  /**
   * The runtime patches follow the manifests as this run leaves them (merged, edited by the user, environments added
   * or removed), so they are derived last, from what is on disk plus what this run writes.
   */
  private _writeRuntimeOverrides(): void {
    const { service } = this.answers;
    const manifest = (path: string): Manifest => (parse(this._readIfExists(path) ?? '') as Manifest | null) ?? {};
    const environments = new Map(this._environmentsOnDisk().map((name) => [name, manifest(`copilot/environments/${name}/manifest.yml`)]));
    const workers = this._workerManifests((name) => manifest(`copilot/${name}/manifest.yml`));
    for (const target of overrideTargets(service, manifest(`copilot/${service}/manifest.yml`), environments, this.answers.domain !== '', this._jobs(), workers)) {
      const file = `${target.folder}/${PATCH_FILE}`;
      const mine = this._readIfExists(file);
      const cdkOverride = mine === undefined && this.fs.exists(this.destinationPath(target.folder, 'cdk.json'));
      const update = updatePatchFile(target, mine, cdkOverride);
      this.overrideNotices.push(...update.notices);
      if (update.text === undefined) continue;
      this._writeResolved(this.destinationPath(file), update.text);
      this.writtenOverrides.push(file);
    }
  }

  /** This run's plan (plan.ts), once its answers, state and project are settled (configuring). */
  private _plan(): TemplateContext {
    return (this.plan ??= planContext(this.answers, this.state, this.project));
  }

  /** The scheduled jobs this run writes (plan.ts): each gets the runtime patches of its stack. */
  private _jobs(): string[] {
    const { job } = this._plan();
    return job ? [job.name] : [];
  }

  /** The Celery worker's manifest by its name (plan.ts), read by `read`; none without the worker. */
  private _workerManifests(read: (name: string) => Manifest): Map<string, Manifest> {
    const { worker } = this._plan();
    return new Map(worker ? [[worker.name, read(worker.name)]] : []);
  }

  /** Every environment Copilot will find under copilot/environments/: this run's and any other with a manifest. */
  private _environmentsOnDisk(): string[] {
    const folder = this.destinationPath('copilot/environments');
    const found = existsSync(folder) ? readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : [];
    return [...new Set([...environmentNames(this.answers), ...found])].filter((name) => this.fs.exists(this.destinationPath('copilot/environments', name, 'manifest.yml'))).sort();
  }

  /** A removed environment's or part's files go when they are as the last run wrote them; a file the user changed needs a yes. */
  private async _deleteRemovedFiles(): Promise<void> {
    for (const file of this._filesOfRemovedParts()) {
      const state = removal(this._readIfExists(file.destination), this._written(file.destination));
      if (state === 'gone') continue;
      let remove = state === 'delete' || Boolean(this.options.force);
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
    this._deleteRemovedWorkloadPatches();
  }

  /**
   * A removed job's or worker's runtime patches (derived from the manifests, not rendered) go with its manifest when
   * they are exactly what this generator derives for it, from the manifest it wrote; patches of the user's stay, told.
   */
  private _deleteRemovedWorkloadPatches(): void {
    const environments = new Map(this._environmentsOnDisk().map((name) => [name, {}]));
    const removedManifests = this._filesOfRemovedParts().filter(
      (file) => (file.parts?.includes('jobs') || file.parts?.includes('worker')) && file.destination.endsWith('/manifest.yml') && this.deleted.includes(file.destination),
    );
    for (const file of removedManifests) {
      const name = posix.basename(posix.dirname(file.destination));
      const written = (parse(file.contents) as Manifest | null) ?? {};
      const targets = file.parts?.includes('jobs')
        ? overrideTargets(this.answers.service, {}, environments, this.answers.domain !== '', [name])
        : overrideTargets(this.answers.service, {}, environments, this.answers.domain !== '', [], new Map([[name, written]]));
      const target = targets.find((candidate) => candidate.folder === `copilot/${name}/overrides`);
      const path = `copilot/${name}/overrides/${PATCH_FILE}`;
      const mine = this._readIfExists(path);
      if (!target || mine === undefined) continue;
      if (updatePatchFile(target, undefined).text === mine) {
        this.fs.delete(this.destinationPath(path));
        this._resolved(this.destinationPath(path));
        this.deleted.push(path);
      } else this.log(`Kept ${path}: it holds patches of yours (delete it yourself once ${name} is gone).`);
    }
  }



  protected _readIfExists(path: string): string | undefined {
    const destination = this.destinationPath(path);
    return this.fs.exists(destination) ? this.fs.read(destination) : undefined;
  }

  /** Prompts need a terminal: with stdin closed or piped, an unanswered question must fail, not pass silently. */
  protected _canPrompt(): boolean {
    const adapter = this.env.adapter as unknown as { actualAdapter?: { stdin?: NodeJS.ReadStream }; stdin?: NodeJS.ReadStream };
    const stdin = (adapter.actualAdapter ?? adapter).stdin;
    return stdin === undefined || Boolean(stdin.isTTY);
  }

  /** The default of --repository; the question's default drops its credentials, and the run says so. */
  private _gitOrigin(): string | undefined {
    let origin: string | undefined;
    try {
      origin = execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: this.destinationRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
    if (origin && withoutCredentials(origin).dropped) this.droppedCredentials.add('git remote origin');
    return origin;
  }
}
