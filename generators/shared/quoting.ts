/**
 * Templates render values raw (render.ts); a value that may hold characters special to the file it lands in goes
 * through the quoting of that file's language, here. Branch names are the reason: git allows `&`, quotes, `#`, `$`,
 * `;`, `!`, braces, `%`, `<`, `>`, `|`, parentheses, backquotes and any Unicode character in them.
 */
import { Scalar, stringify } from 'yaml';

/**
 * Characters Copilot's YAML parser (go-yaml, the libyaml port) takes as a line break (NEL, LS, PS: is_break in
 * yamlprivateh.go) or refuses anywhere in the file (C1 controls, U+FFFE, U+FFFF: "control characters are not
 * allowed" in readerc.go), plus the byte-order mark, which YAML allows only at the start of a stream. The yaml
 * package writes them raw inside quotes; escaped, every parser reads them back.
 */
const YAML_UNSAFE = /[\u0080-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * A YAML double-quoted string that reads back as exactly `value`, on one line: safe as a value, a key, or inside a
 * comment (where it cannot end the line).
 */
export function yamlString(value: string): string {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  const quoted = stringify(scalar, { lineWidth: 0, doubleQuotedMinMultiLineLength: Number.POSITIVE_INFINITY }).replace(/\n$/, '');
  return quoted.replace(YAML_UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Words a POSIX shell (and bash, zsh) passes on as they are: anything else is single-quoted. */
const SHELL_PLAIN = /^[A-Za-z0-9_./:@%+,-]+$/;

/** One shell word that passes exactly `value` as one argument: `'…'`, each `'` written as `'\''`. */
export function shellWord(value: string): string {
  if (SHELL_PLAIN.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text inside a quoted Mermaid flowchart label (`id["…"]`): every character but letters, digits, space and `_./-`
 * becomes Mermaid's numeric entity `#<code>;`, so no quote, `#`, markup or `style …:` pattern of a name can change
 * the chart.
 */
export function mermaidText(value: string): string {
  return [...value].map((character) => (/^[A-Za-z0-9 _./-]$/.test(character) ? character : `#${character.codePointAt(0)};`)).join('');
}
