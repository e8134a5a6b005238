const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * How a problem names a field, as the schema's messages do: `payload.env.PATH`,
 * `payload.cache[".."]`, `payload.command[2]`. JSON quoting keeps a NUL or a lone surrogate
 * in a name readable (`"\u0000"`).
 */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
