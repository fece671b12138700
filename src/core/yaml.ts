/**
 * The one YAML reader that keeps line numbers. Config, credentials, signatures and rules all
 * report problems as `file:line key: message`; they parse through here so the line arithmetic
 * (the `yaml` package's LineCounter) and the parse options live in one place.
 */
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';

export interface YamlSyntaxError {
  readonly line: number;
  /** The library's short error code, e.g. `BAD_INDENT` (safe to show for secret files). */
  readonly code: string;
  /** The first line of the library's message; it may quote the offending text. */
  readonly message: string;
}

export interface LinedYaml {
  readonly doc: Document;
  /** The root node, or null for an empty document. */
  readonly root: Node | null;
  readonly errors: readonly YamlSyntaxError[];
  /** 1-based line where a node starts, or null when it has no position. */
  lineOf(node: unknown): number | null;
  /** 1-based line of the node at a key path (`['agent', 'schedule']`), or null. */
  lineOfPath(path: readonly (string | number)[]): number | null;
  /** Line of the key of `key` inside mapping `map` (reads better than its value's line). */
  lineOfKeyIn(map: unknown, key: string | number): number | null;
}

export interface ReadOptions {
  /** YAML schema; `core` for files whose scalars must not turn into dates or binaries. */
  readonly schema?: 'core' | 'yaml-1.1';
}

/** Parses YAML text (duplicate keys are errors) and keeps line lookups for its nodes. */
export function parseYamlWithLines(text: string, options: ReadOptions = {}): LinedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: counter,
    uniqueKeys: true,
    prettyErrors: false,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  const lineAt = (offset: number | undefined) => (offset === undefined ? null : counter.linePos(offset).line);
  const lineOf = (node: unknown): number | null => {
    if (node === null || typeof node !== 'object' || !('range' in node)) return null;
    const range = node.range;
    return Array.isArray(range) && typeof range[0] === 'number' ? lineAt(range[0]) : null;
  };
  const root = doc.contents;
  return {
    doc,
    root,
    errors: doc.errors.map((e) => ({
      line: lineAt(e.pos[0]) ?? 1,
      code: e.code,
      message: e.message.split('\n')[0] ?? e.code,
    })),
    lineOf,
    lineOfPath: (path) => lineOf(doc.getIn(path, true)),
    lineOfKeyIn(map, key) {
      if (!isMap(map)) return null;
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
      return lineOf(pair?.key);
    },
  };
}
