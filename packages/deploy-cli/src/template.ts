/**
 * The template language of `deploy/template/**`: `{{dotted.key}}` is replaced by the value of
 * that deploy variable, `{{dotted.key | json}}` by its JSON text (a quoted string in JSON and
 * YAML files), `{{dotted.key | shell}}` by a single-quoted shell word.
 *
 * A placeholder name has at least one dot, so the other `{{...}}` that config files carry pass
 * through untouched: packer's `{{timestamp}}` and `{{user `x`}}`, Go templates' `{{.Name}}`.
 */
import type { Value } from './deploy-config.js';
import { shellQuote } from './process.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(?:\|\s*([A-Za-z]+)\s*)?\}\}/g;

const FILTERS: Record<string, (value: Value) => string> = {
  json: (value) => JSON.stringify(value),
  shell: (value) => shellQuote(String(value)),
};

export interface RenderResult {
  text: string;
  /** One line per problem, naming the file and the variable. */
  problems: string[];
}

/** Renders one file's text; `file` names it in problems. */
export function renderText(text: string, values: Readonly<Record<string, Value>>, file: string): RenderResult {
  const problems: string[] = [];
  const rendered = text.replace(PLACEHOLDER, (match, key: string, filter: string | undefined, offset: number) => {
    const line = text.slice(0, offset).split('\n').length;
    const value = values[key];
    if (value === undefined) {
      problems.push(`${file}:${line}: missing variable ${key}`);
      return match;
    }
    if (filter === undefined) return String(value);
    const apply = FILTERS[filter];
    if (!apply) {
      problems.push(`${file}:${line}: unknown filter "${filter}" in ${match} (known: ${Object.keys(FILTERS).join(', ')})`);
      return match;
    }
    return apply(value);
  });
  return { text: rendered, problems };
}

/** The variables a text refers to. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}
