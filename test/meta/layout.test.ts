/**
 * The layout the README names, enforced: imports flow one way through the layers
 *   agent/ (entry points) → src/agent | src/collector | src/attest → src/knowledge → src/contract → src/core
 * src/agent and src/collector never import each other, and no folder imports a folder that
 * (through any chain) imports it back. test/ is exempt: tests may reach into any layer.
 */
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderCycles, type ImportEdge, importEdges } from './imports.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Layer of a file: higher may import lower, never the reverse. */
const LAYERS: readonly { readonly prefix: string; readonly rank: number }[] = [
  { prefix: 'agent/', rank: 4 },
  { prefix: 'src/agent/', rank: 3 },
  { prefix: 'src/collector/', rank: 3 },
  { prefix: 'src/attest/', rank: 3 },
  { prefix: 'src/knowledge/', rank: 2 },
  { prefix: 'src/contract/', rank: 1 },
  { prefix: 'src/core/', rank: 0 },
];

function layerOf(file: string) {
  return LAYERS.find((l) => file.startsWith(l.prefix));
}

/** The wings that run in different programs and so must not share code except through lower layers. */
const SEPARATE: readonly (readonly [string, string])[] = [['src/agent/', 'src/collector/']];

function layoutViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    const where = `${e.from}:${e.line} imports ${e.to}`;
    if (!from)
      out.push(
        `${where}: ${e.from} is in no layer (put it in one of ${LAYERS.map((l) => l.prefix).join(', ')})`,
      );
    else if (!to) out.push(`${where}: ${e.to} is in no layer`);
    else if (to.rank > from.rank)
      out.push(`${where}: upward import (${from.prefix} may not import ${to.prefix})`);
    for (const [a, b] of SEPARATE)
      if ((e.from.startsWith(a) && e.to.startsWith(b)) || (e.from.startsWith(b) && e.to.startsWith(a)))
        out.push(`${where}: ${a} and ${b} must not import each other`);
  }
  return out;
}

describe('layout', () => {
  const edges = importEdges(ROOT, ['agent', 'src']);

  it('reads the real import graph (a sanity floor, so an empty scan cannot pass)', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from === 'agent/cli.ts' && e.to === 'agent/commands/scan.ts')).toBe(true);
  });

  it('has no upward import and no import between the agent and collector wings', () => {
    expect(layoutViolations(edges)).toEqual([]);
  });

  it('has no folder cycle', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  it('catches what it claims to: an upward import, a cross-wing import and a folder cycle', () => {
    const fake = (from: string, to: string): ImportEdge => ({ from, to, line: 1 });
    expect(layoutViolations([fake('src/core/log.ts', 'src/contract/types.ts')])[0]).toContain(
      'upward import',
    );
    expect(layoutViolations([fake('src/agent/scan/x.ts', 'src/collector/store/y.ts')])[0]).toContain(
      'must not import each other',
    );
    expect(folderCycles([fake('src/a/x.ts', 'src/b/y.ts'), fake('src/b/y.ts', 'src/a/z.ts')])).toEqual([
      [dirname('src/a/x.ts'), dirname('src/b/y.ts')],
    ]);
  });
});
