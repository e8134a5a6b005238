// Path handling that matches how Taskcluster's Express routes behave: the client encodes
// every path parameter with encodeURIComponent, and the server declares the trailing
// parameters `name`, `taskQueueId`, ... as `(*)`, so both `public%2Flogs%2Flive.log` and a raw
// `public/logs/live.log` reach the same artifact. That only works if the raw path is split on
// `/` before any segment is decoded; decoding first would let an encoded slash move segments.

import { InvalidRequestArguments } from '../errors.js';

/** Splits a raw (still percent-encoded) path into its segments, without the leading `/`. */
export function splitRawPath(rawPath: string): string[] {
  const trimmed = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  return trimmed === '' ? [] : trimmed.split('/');
}

/** Decodes one raw path segment; malformed percent-escapes are the caller's fault (400). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestArguments(`Malformed percent-encoding in path segment '${segment}'`);
  }
}

type PatternSegment = { kind: 'literal'; value: string } | { kind: 'param'; name: string; rest: boolean };

export interface CompiledPattern {
  /** The route exactly as written in the API reference, e.g. `/task/<taskId>/status`. */
  readonly route: string;
  readonly segments: readonly PatternSegment[];
}

/**
 * Compiles an API-reference route. A parameter named in `restParams` that ends the route
 * swallows the rest of the path (raw slashes included), like Express's `:name(*)`.
 */
export function compilePattern(route: string, restParams: ReadonlySet<string>): CompiledPattern {
  const parts = splitRawPath(route);
  const segments = parts.map((part, index): PatternSegment => {
    const param = /^<([^<>]+)>$/.exec(part);
    if (!param) return { kind: 'literal', value: part };
    const name = param[1]!;
    return { kind: 'param', name, rest: index === parts.length - 1 && restParams.has(name) };
  });
  return { route, segments };
}

/**
 * Matches raw path segments against a compiled pattern, returning the decoded parameters,
 * or undefined when the path does not fit. The structure (literals, segment count) is checked
 * on the raw segments first; only a path that fits is decoded.
 */
export function matchPattern(pattern: CompiledPattern, rawSegments: readonly string[]): Record<string, string> | undefined {
  const raw: Record<string, string[]> = {};
  const { segments } = pattern;
  let consumedAll = false;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const value = rawSegments[i];
    if (seg.kind === 'literal') {
      if (value !== seg.value) return undefined;
    } else if (seg.rest) {
      const rest = rawSegments.slice(i);
      if (rest.length === 0 || rest.every((part) => part === '')) return undefined;
      raw[seg.name] = rest;
      consumedAll = true;
    } else {
      if (value === undefined || value === '') return undefined;
      raw[seg.name] = [value];
    }
  }
  if (!consumedAll && rawSegments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [name, parts] of Object.entries(raw)) {
    params[name] = parts.map(decodeSegment).join('/');
  }
  return params;
}
