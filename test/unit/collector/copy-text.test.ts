import { describe, expect, it } from 'vitest';
import { copyChunks, copyLines, copyValue } from '../../../src/collector/db/copy-text.js';

describe('COPY text encoding', () => {
  it('escapes the characters COPY reads as structure, and only those', () => {
    expect(copyValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    // A value that reads like NULL or the end-of-data marker stays a value.
    expect(copyValue('\\N')).toBe('\\\\N');
    expect(copyValue('\\.')).toBe('\\\\.');
    expect(copyValue('"quoted" ünïcode 😀 ,;')).toBe('"quoted" ünïcode 😀 ,;');
  });

  it('writes NULL as \\N, numbers exactly, and refuses what is not a number', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(() => copyValue(Number.NaN)).toThrow(RangeError);
  });

  it('one line per row, tab-separated', () => {
    expect(
      copyLines([
        ['a', null, 3],
        ['x\ty', '', 0.5],
      ]),
    ).toBe('a\t\\N\t3\nx\\ty\t\t0.5\n');
  });

  it('cuts rows into chunks of whole lines', () => {
    expect(copyChunks([['a'], ['b\nc'], ['d']], 2)).toEqual(['a\nb\\nc\n', 'd\n']);
    expect(copyChunks([])).toEqual([]);
  });
});
