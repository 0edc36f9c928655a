/**
 * What the scripts that record Copilot's own rendering share (copilot-lambdas, copilot-media, copilot-worker): this
 * repository's root and built command, the copilot-render checker (../shared/tools/copilot-render/check.sh, or
 * `--checker <path>`), and CloudFormation YAML read with its short forms as long forms (`!Ref X` → `{ Ref: X }`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cli = join(root, 'dist/generators/cli.js');

/** The checker the script runs: `--checker <path>` among its arguments, else the shared one beside this repository. */
export function checker(argv = process.argv) {
  const flag = argv.indexOf('--checker');
  const path = flag > 0 ? argv[flag + 1] : join(root, '..', 'shared/tools/copilot-render/check.sh');
  if (!existsSync(cli)) throw new Error('run `npm run build` first');
  if (!existsSync(path)) throw new Error(`no copilot-render checker at ${path}: pass --checker`);
  return path;
}

const SHORT_FORMS = ['Ref', 'Condition', 'GetAtt', 'Sub', 'Join', 'Split', 'Select', 'FindInMap', 'If', 'Equals', 'Not', 'And', 'Or', 'GetAZs', 'Base64', 'ImportValue', 'Cidr'];
const customTags = SHORT_FORMS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split(/\.(.*)/s).slice(0, 2) : value });
  return [
    { tag: `!${name}`, resolve: (value) => resolve(value) },
    { tag: `!${name}`, collection: 'seq', resolve: (value) => resolve(value.toJSON()) },
    { tag: `!${name}`, collection: 'map', resolve: (value) => resolve(value.toJSON()) },
  ];
});

/** A CloudFormation template (YAML) as JSON, its short forms as long forms. */
export const readTemplate = (file) => parseDocument(readFileSync(file, 'utf8'), { customTags }).toJSON();
