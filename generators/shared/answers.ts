/**
 * Answers, from wherever they came (flag, prompt, `.yo-rc.json`, default), pass through `validateAnswers` once,
 * before anything is written. A broken answer gives one message naming the flag, the value and the rule.
 */
import { flagOf, HOUSEKEEPING_JOB_NAME, productionWithoutDomain, questions, type Answers, type Question, type QuestionName } from './questions.js';
import type { RunState } from './rerun.js';

export type AnswerSource = 'flag' | 'prompt' | 'stored' | 'default';
export type RawAnswers = Partial<Record<QuestionName, unknown>>;

export class AnswersError extends Error {
  override name = 'AnswersError';
}

const SOURCE_NOTE: Record<AnswerSource, string> = {
  flag: '',
  prompt: ' (answered at the prompt)',
  stored: ' (stored in .yo-rc.json)',
  default: ' (the default)',
};

/** The words a yes/no answer takes, wherever it comes from: a flag (`--spot=no`), `yo`'s parsed flags, .yo-rc.json. */
const BOOLEAN_WORDS: Record<string, boolean> = { yes: true, no: false, true: true, false: false, '1': true, '0': false };

/** The rule of every boolean flag and answer ("… must …"). */
export const BOOLEAN_RULE = 'be yes/no, true/false or 1/0';

/** A yes/no value as a boolean; undefined when it is none of the words of BOOLEAN_RULE. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return BOOLEAN_WORDS[String(value).trim().toLowerCase()];
}

/** A boolean flag's value, or the one-message refusal naming the flag, the value and the rule. */
export function booleanFlag(flag: string, raw: unknown): boolean {
  const value = parseBoolean(raw);
  if (value === undefined) throw new AnswersError(`--${flag} ${describe(raw)} is refused: it must ${BOOLEAN_RULE}.`);
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Type check and normalisation of one raw value; returns the value or the broken rule. */
function check(question: Question, raw: unknown): { value: Answers[QuestionName] } | { broken: string } {
  if (question.type === 'boolean') {
    const value = parseBoolean(raw);
    return value === undefined ? { broken: BOOLEAN_RULE } : { value };
  }
  if (typeof raw !== 'string') return { broken: 'be a string' };
  const value = question.normalize(raw);
  const broken = question.rule(value);
  return broken ? { broken } : { value };
}

/** The one rule set, applied to every answer. Throws AnswersError listing every broken answer. */
export function validateAnswers(
  raw: RawAnswers,
  sourceOf: (name: QuestionName) => AnswerSource,
): Answers {
  const answers: Partial<Record<QuestionName, unknown>> = {};
  const problems: string[] = [];
  for (const question of questions) {
    const result = check(question, raw[question.name]);
    if ('broken' in result) {
      problems.push(
        `--${flagOf(question)} ${describe(raw[question.name])}${SOURCE_NOTE[sourceOf(question.name)]} is refused: it must ${result.broken}.`,
      );
    } else {
      answers[question.name] = result.value;
    }
  }
  if (problems.length === 0) {
    // One rule across answers: a production environment needs a domain (HTTPS), or an explicit --allow-http.
    const production = productionWithoutDomain(answers.domain, answers.branches);
    if (production.length > 0 && answers.allowHttp !== true) {
      problems.push(
        `--branches ${describe(answers.branches)}${SOURCE_NOTE[sourceOf('branches')]} is refused without --domain: ${production.join(', ')} ` +
          `${production.length > 1 ? 'are production environments' : 'is a production environment'}, and without a domain its load balancer speaks plain HTTP, ` +
          'so admin passwords and session cookies travel unencrypted. Pass --domain (a domain in Route 53), or --allow-http to accept that.',
      );
    }
  }
  if (problems.length === 0 && answers.jobs === true && answers.service === HOUSEKEEPING_JOB_NAME) {
    problems.push(
      `--service ${describe(answers.service)}${SOURCE_NOTE[sourceOf('service')]} is refused with --jobs: the scheduled job is named ${HOUSEKEEPING_JOB_NAME}, ` +
        'and a service and a job of one application cannot share a name. Pass another --service.',
    );
  }
  if (problems.length > 0) throw new AnswersError(problems.join('\n'));
  return answers as Answers;
}

/**
 * Stored answers with each one its own rule refuses replaced by this run's answer: what the last run must have
 * written, when the user broke a value in .yo-rc.json by hand (the generator never stores a refused answer).
 */
export function repairedStoredAnswers(raw: RawAnswers, answers: Answers): RawAnswers {
  return Object.fromEntries(questions.map((question) => [question.name, 'broken' in check(question, raw[question.name]) ? answers[question.name] : raw[question.name]]));
}

/** The rule of one question, for the prompt's own `validate` (so the user can retype at once). */
export function promptValidator(question: Question): (input: unknown) => true | string {
  return (input) => {
    const result = check(question, input);
    return 'broken' in result ? `It must ${result.broken}.` : true;
  };
}

/** Stored answers are read from a file the user may have edited: anything but an object is refused clearly. */
export function readStoredAnswers(stored: unknown): RawAnswers {
  if (stored === undefined || stored === null) return {};
  if (typeof stored !== 'object' || Array.isArray(stored)) {
    throw new AnswersError(
      '.yo-rc.json is refused: its "generator-copilot-django" entry must be an object of answers. Fix or delete the file and run again.',
    );
  }
  const known = new Set<string>(questions.map((question) => question.name));
  return Object.fromEntries(Object.entries(stored).filter(([name]) => known.has(name)));
}

/** The run state stored next to the answers (rerun.ts); a malformed one is refused like a bad answer. */
export function readStoredState(stored: Record<string, unknown>): RunState {
  const spotSwitch = stored.spotSwitch ?? [];
  if (!Array.isArray(spotSwitch) || !spotSwitch.every((name) => typeof name === 'string')) {
    throw new AnswersError('.yo-rc.json is refused: "spotSwitch" must be a list of environment names. Fix or delete it and run again.');
  }
  const existingProject = stored.existingProject ?? false;
  if (typeof existingProject !== 'boolean') {
    throw new AnswersError('.yo-rc.json is refused: "existingProject" must be true or false. Fix or delete it and run again.');
  }
  const environmentDatabase = stored.environmentDatabase ?? false;
  if (typeof environmentDatabase !== 'boolean') {
    throw new AnswersError('.yo-rc.json is refused: "environmentDatabase" must be true or false. Fix or delete it and run again.');
  }
  const separateFiles = stored.separateFiles ?? false;
  if (typeof separateFiles !== 'boolean') {
    throw new AnswersError('.yo-rc.json is refused: "separateFiles" must be true or false. Fix or delete it and run again.');
  }
  return { spotSwitch, existingProject, environmentDatabase, separateFiles };
}
