/**
 * Renders the plan into file contents. Pure: the same answers give the same text, which is what lets a re-run
 * re-render last time's output (the merge base) from the answers stored in `.yo-rc.json`.
 */
import ejs from 'ejs';
import { planFiles, type PlannedFile } from './files.js';
import { planContext, type TemplateContext } from './plan.js';
import type { Answers } from './questions.js';
import { NO_STATE, type RunState } from './rerun.js';
import type { ExistingProject } from './detect.js';
import { versionTemplates, type VersionTemplates } from './released.js';
import { firstRunbook } from './runbook.js';
import { mermaidText, shellWord, yamlString } from './quoting.js';

export interface RenderedFile extends PlannedFile {
  contents: string;
}

/**
 * What `version` of this package writes from these answers (this version's by default), or undefined for a version
 * whose templates this package does not keep (released.ts). A template the version did not have gives no file.
 */
export function renderProject(answers: Answers, state: RunState = NO_STATE, project?: ExistingProject, version?: string): RenderedFile[] | undefined {
  const templates = versionTemplates(version);
  return templates && renderFiles(planContext(answers, state, project), templates);
}

/**
 * `<%=` prints a value as it is: EJS's default escaping is HTML's (`&` → `&amp;`), wrong in YAML, shell, Python and
 * nginx files. A value that may hold special characters is quoted in the template for its file (quoting.ts).
 */
const raw = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Every planned file of `context` (those `templates`, this version's by default, has a template for), rendered. */
export function renderFiles(today: TemplateContext, templates: VersionTemplates = versionTemplates()!): RenderedFile[] {
  const context = { ...templates.context(today), hasTemplate: (template: string) => templates.read(template) !== undefined };
  // The README's commands are the runbook's, the same the run prints (runbook.ts).
  const values = { ...context, runbook: firstRunbook(context), yamlString, shellWord, mermaidText };
  return planFiles(context).map((file) => ({
    ...file,
    contents: ejs.render(templates.read(file.template)!, { ...values, ...file.locals }, { filename: templates.path(file.template), cache: true, escape: raw }),
  }));
}
