import { fieldPath } from './field-path.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strings no field can carry, anywhere in the payload, names included. A NUL byte ends a
 * string for the kernel, the engine and every path (runc refuses such a variable, a path is
 * cut short); a lone UTF-16 surrogate is not Unicode, so it cannot be sent as UTF-8 at all
 * and would reach the container as U+FFFD, if at all.
 *
 * One pass with one list, and a field's path is built only for a field with a problem: an env
 * of 50,000 keys otherwise cost a path string and two arrays per key.
 */
export function textProblems(value: unknown, path = 'payload'): string[] {
  const problems: string[] = [];
  walk(value, () => path, problems);
  return problems;
}

function walk(value: unknown, path: () => string, problems: string[]): void {
  if (typeof value === 'string') {
    stringProblems(value, path, 'value', problems);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, () => fieldPath(path(), index), problems));
  } else if (typeof value === 'object' && value !== null) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const child = () => fieldPath(path(), key);
      stringProblems(key, child, 'name', problems);
      walk((value as Record<string, unknown>)[key], child, problems);
    }
  }
}

/** Node 20 has String.prototype.isWellFormed (no lone surrogate), much faster than the regex. */
const wellFormed = (text: string): boolean => (text as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !LONE_SURROGATE.test(text);

function stringProblems(text: string, path: () => string, what: 'name' | 'value', problems: string[]): void {
  if (text.includes('\u0000')) problems.push(`${path()}: the ${what} holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry`);
  if (wellFormed(text)) return;
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const code = (lone[0].codePointAt(0) as number).toString(16).toUpperCase();
    problems.push(`${path()}: the ${what} is not valid Unicode: it holds a lone surrogate (U+${code}) with no partner`);
  }
}
