import { fieldPath } from './field-path.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strings no field can carry, anywhere in the payload, names included. A NUL byte ends a
 * string for the kernel, the engine and every path (runc refuses such a variable, a path is
 * cut short); a lone UTF-16 surrogate is not Unicode, so it cannot be sent as UTF-8 at all
 * and would reach the container as U+FFFD, if at all.
 */
export function textProblems(value: unknown, path = 'payload'): string[] {
  if (typeof value === 'string') return stringProblems(value, path, 'value');
  const problems: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => problems.push(...textProblems(item, fieldPath(path, index))));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const child = fieldPath(path, key);
      problems.push(...stringProblems(key, child, 'name'), ...textProblems(item, child));
    }
  }
  return problems;
}

function stringProblems(text: string, path: string, what: 'name' | 'value'): string[] {
  const problems: string[] = [];
  if (text.includes('\u0000')) problems.push(`${path}: the ${what} holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry`);
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const code = (lone[0].codePointAt(0) as number).toString(16).toUpperCase();
    problems.push(`${path}: the ${what} is not valid Unicode: it holds a lone surrogate (U+${code}) with no partner`);
  }
  return problems;
}
