/**
 * Renders the plan into file contents. Pure: the same answers give the same text, which is what lets a re-run
 * re-render last time's output (the merge base) from the answers stored in `.yo-rc.json`.
 */
import ejs from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planFiles, type PlannedFile } from './files.js';
import { planContext, type TemplateContext } from './plan.js';
import type { Answers } from './questions.js';
import { NO_STATE, type RunState } from './rerun.js';
import type { ExistingProject } from './detect.js';
import { templatesRoot } from './paths.js';
import { firstRunbook } from './runbook.js';
import { mermaidText, shellWord, yamlString } from './quoting.js';

export interface RenderedFile extends PlannedFile {
  contents: string;
}

const templateCache = new Map<string, string>();

function readTemplate(template: string): string {
  let text = templateCache.get(template);
  if (text === undefined) {
    text = readFileSync(join(templatesRoot(), template), 'utf8');
    templateCache.set(template, text);
  }
  return text;
}

export function renderProject(answers: Answers, state: RunState = NO_STATE, project?: ExistingProject): RenderedFile[] {
  return renderFiles(planContext(answers, state, project));
}

/**
 * `<%=` prints a value as it is: EJS's default escaping is HTML's (`&` → `&amp;`), wrong in YAML, shell, Python and
 * nginx files. A value that may hold special characters is quoted in the template for its file (quoting.ts).
 */
const raw = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Every planned file of `context`, rendered. */
export function renderFiles(context: TemplateContext): RenderedFile[] {
  // The README's commands are the runbook's, the same the run prints (runbook.ts).
  const values = { ...context, runbook: firstRunbook(context), yamlString, shellWord, mermaidText };
  return planFiles(context).map((file) => ({
    ...file,
    contents: ejs.render(readTemplate(file.template), { ...values, ...file.locals }, { filename: join(templatesRoot(), file.template), cache: true, escape: raw }),
  }));
}
