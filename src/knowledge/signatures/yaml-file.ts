/**
 * Reads a YAML data file keeping line numbers for every node, so problems in signatures and
 * vocabulary can point at the exact line (the `yaml` package's LineCounter).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { PACKAGE_ROOT } from '../../core/version.js';
import type { Problem } from './problem.js';

export interface YamlFile {
  /** Path for messages (relative to the package root when inside it). */
  readonly display: string;
  readonly text: string;
  /** Top-level sequence items: the plain value and a line lookup for each of its keys. */
  readonly items: readonly YamlItem[];
}

export interface YamlItem {
  readonly value: Record<string, unknown>;
  readonly line: number;
  /** Line of a key inside this item (falls back to the item's own line). */
  lineOf(path: readonly (string | number)[]): number;
}

export function displayPath(path: string): string {
  const rel = relative(PACKAGE_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

/** Parses `path` as a list of mappings. Syntax and shape errors go to `problems`. */
export function readYamlList(path: string, problems: Problem[]): YamlFile {
  const display = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push({ file: display, line: 0, message: `cannot read: ${(err as Error).message}` });
    return { display, text: '', items: [] };
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 0 : counter.linePos(offset).line);
  for (const e of doc.errors)
    problems.push({ file: display, line: lineAt(e.pos[0]), message: `YAML: ${e.message.split('\n')[0]}` });
  if (doc.errors.length > 0) return { display, text, items: [] };
  const root = doc.contents;
  if (root === null) return { display, text, items: [] };
  if (!isSeq(root)) {
    problems.push({
      file: display,
      line: lineAt((root as Node).range?.[0]),
      message: 'expected a list of entries (each starting with "- ")',
    });
    return { display, text, items: [] };
  }
  const items: YamlItem[] = [];
  for (const node of root.items) {
    const line = lineAt((node as Node | null)?.range?.[0]);
    if (!isMap(node)) {
      problems.push({ file: display, line, message: 'each entry must be a mapping (key: value lines)' });
      continue;
    }
    const map = node as YAMLMap;
    items.push({
      value: map.toJSON() as Record<string, unknown>,
      line,
      lineOf(path) {
        const target = map.getIn(path, true) as Node | undefined;
        const parentPath = path.slice(0, -1);
        const parent = (parentPath.length === 0 ? map : map.getIn(parentPath, true)) as YAMLMap | undefined;
        // The key's own position reads better than its value's for missing or wrong values.
        const pair = isMap(parent)
          ? parent.items.find((p) => (p.key as { value?: unknown })?.value === path.at(-1))
          : undefined;
        const keyNode = pair?.key as Node | undefined;
        return lineAt(keyNode?.range?.[0] ?? target?.range?.[0]) || line;
      },
    });
  }
  return { display, text, items };
}
