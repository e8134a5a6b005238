import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';

/**
 * Parses a task file's text, JSON or YAML, in time linear in its size.
 *
 * JSON (text starting with `{` or `[` that JSON.parse accepts) is read by JSON.parse, as the
 * queue reads the same definition: a key given twice keeps its last value. Everything else is
 * YAML. The yaml library's own duplicate-key check compares every key of a mapping with every
 * key before it, so a mapping of 50,000 keys (a large `env`) took it over 15 s of CPU; here it
 * is turned off and replaced by one pass with a set per mapping, which refuses the same
 * documents, naming the key and its line.
 */
export function parseYamlOrJson(text: string): unknown {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      return JSON.parse(text);
    } catch {
      // Flow-style YAML also starts so; the YAML parser says what is wrong if it is neither.
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  if (doc.errors.length > 0) throw doc.errors[0];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : JSON.stringify(pair.key);
        if (seen.has(key)) {
          const at = isScalar(pair.key) && pair.key.range ? ` at line ${lineCounter.linePos(pair.key.range[0]).line}` : '';
          throw new Error(`Map keys must be unique: ${JSON.stringify(key)} is given again${at}`);
        }
        seen.add(key);
      }
    },
  });
  return doc.toJS();
}
