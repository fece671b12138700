/**
 * Reads a YAML data file keeping line numbers for every node, so problems in signatures and
 * vocabulary can point at the exact line (through the one line-keeping reader in core/yaml.ts).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMap, isSeq } from 'yaml';
import { PACKAGE_ROOT } from '../../core/version.js';
import { parseYamlWithLines } from '../../core/yaml.js';
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
  const yaml = parseYamlWithLines(text);
  for (const e of yaml.errors) problems.push({ file: display, line: e.line, message: `YAML: ${e.message}` });
  if (yaml.errors.length > 0) return { display, text, items: [] };
  const root = yaml.root;
  if (root === null) return { display, text, items: [] };
  if (!isSeq(root)) {
    problems.push({
      file: display,
      line: yaml.lineOf(root) ?? 0,
      message: 'expected a list of entries (each starting with "- ")',
    });
    return { display, text, items: [] };
  }
  const items: YamlItem[] = [];
  for (const node of root.items) {
    const line = yaml.lineOf(node) ?? 0;
    if (!isMap(node)) {
      problems.push({ file: display, line, message: 'each entry must be a mapping (key: value lines)' });
      continue;
    }
    const value: unknown = node.toJSON();
    items.push({
      value: isRecord(value) ? value : {},
      line,
      lineOf(path) {
        const parentPath = path.slice(0, -1);
        const parent = parentPath.length === 0 ? node : node.getIn(parentPath, true);
        const last = path.at(-1);
        // The key's own position reads better than its value's for missing or wrong values.
        const keyLine = last === undefined ? null : yaml.lineOfKeyIn(parent, last);
        return keyLine ?? yaml.lineOf(node.getIn(path, true)) ?? line;
      },
    });
  }
  return { display, text, items };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
