/**
 * The default of --app is the folder's name made a Copilot name: letters with accents lose them, letters of their own
 * (ß, æ, ø, …) are spelled in plain Latin letters, and a name with nothing usable left falls back to `app`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copilotName } from '../generators/shared/rules.js';
import { questions, type DefaultsContext } from '../generators/shared/questions.js';
import { DEMO_FLAGS, runApp, temporaryFolder } from './support/generate.js';

const appQuestion = questions.find((question) => question.name === 'app')!;

function defaultAppName(folderName: string): string {
  const context = { destinationRoot: join('/work', folderName) } as DefaultsContext;
  return appQuestion.default(context) as string;
}

const folders: Array<[folder: string, app: string]> = [
  ['My_Shop', 'my-shop'],
  ['Über Shop', 'uber-shop'],
  // The same folder name as macOS stores it: U followed by a combining diaeresis.
  ['U\u0308ber Shop', 'uber-shop'],
  ['Straße', 'strasse'],
  ['Ærø Bike', 'aero-bike'],
  ['Œuvre Łódź', 'oeuvre-lodz'],
  ['Crème Brûlée 2', 'creme-brulee-2'],
  ['ﬁnance', 'finance'],
  ['ｓｈｏｐ', 'shop'],
  ['İstanbul', 'istanbul'],
  ['2024 Ürün', 'urun'],
  ['Ü'.repeat(40), 'u'.repeat(32)],
  // Nothing usable left: another script, or a single letter (Copilot names have two at least).
  ['Магазин', 'app'],
  ['商店', 'app'],
  ['Ø', 'app'],
  ['x', 'app'],
  ['---', 'app'],
];

describe("the default application name is the folder's name as a Copilot name", () => {
  test.each(folders)('folder %j → %j', (folder, app) => {
    expect(defaultAppName(folder)).toBe(app);
    expect(copilotName(defaultAppName(folder))).toBeUndefined();
  });
});

describe('--yes takes it', () => {
  test.each([
    ['Über Shop', 'uber-shop'],
    ['x', 'app'],
  ])('in a folder named %j, .yo-rc.json stores app %j and the workspace names it', async (folder, app) => {
    const cwd = join(temporaryFolder(), folder);
    mkdirSync(cwd);
    const { app: _flag, ...flags } = DEMO_FLAGS;
    await runApp({ ...flags, yes: true }, { cwd });
    const stored = JSON.parse(readFileSync(join(cwd, '.yo-rc.json'), 'utf8'))['generator-copilot-django'];
    expect(stored.app).toBe(app);
    expect(readFileSync(join(cwd, 'copilot', '.workspace'), 'utf8')).toMatch(new RegExp(`^application: "?${app}"?$`, 'm'));
  });
});
