import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, renderExampleConfig } from '../../../src/agent/config/config.js';
import { CamsweepError } from '../../../src/core/errors.js';

function problemsOf(yaml: string, overrides = {}): string {
  try {
    parseConfig(yaml, 'camsweep.yaml', overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(CamsweepError);
    expect((e as CamsweepError).exitCode).toBe(2);
    return (e as Error).message;
  }
  return '';
}

describe('config', () => {
  it('names file, line, key and the expected form for a bad value', () => {
    const yaml = [
      'scan:',
      '  rate: 500',
      'probes:',
      '  snmp:',
      '    enabled: true',
      '    timeout: soon',
      '',
    ].join('\n');
    expect(problemsOf(yaml)).toContain('camsweep.yaml:6 probes.snmp.timeout: must be a duration like 2s');
  });

  it('reports every problem at once, with unknown keys and sections', () => {
    const yaml = [
      'scan:',
      '  rat: 5',
      'scna:',
      '  x: 1',
      'probes:',
      '  nosuch: {}',
      'output:',
      '  format: xml',
    ].join('\n');
    const text = problemsOf(yaml);
    expect(text).toContain('camsweep.yaml:2 scan.rat: unknown key');
    expect(text).toContain('camsweep.yaml:3 scna: unknown section');
    expect(text).toContain('camsweep.yaml:6 probes.nosuch: unknown probe');
    expect(text).toContain('camsweep.yaml:8 output.format: must be one of table, json, csv');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('scan:\n  targets: [10.0.0.1\n')).toMatch(/camsweep\.yaml:\d+ : YAML syntax/);
  });

  it('refuses printer ports and bad targets', () => {
    expect(problemsOf('scan:\n  targets: [10.0.0.0/33]\n')).toContain('scan.targets: target "10.0.0.0/33"');
  });

  it('lets flags override the file, and validates flags too', () => {
    const config = parseConfig('scan:\n  rate: 500\n', 'camsweep.yaml', {
      'scan.rate': '20',
      'scan.timeout': '90s',
    });
    expect(config.scan.rate).toBe(20);
    expect(config.scan.timeout).toBe(90_000);
    expect(problemsOf('', { 'scan.rate': 'fast' })).toContain('flag scan.rate: must be a whole number');
  });

  it('is frozen after load', () => {
    const config = parseConfig('', 'x', {});
    expect(Object.isFrozen(config.scan)).toBe(true);
    expect(() => {
      (config.scan as { rate: number }).rate = 1;
    }).toThrow();
  });

  it('ships an example file that documents every key and loads cleanly', () => {
    const example = readFileSync(new URL('../../../agent/camsweep.example.yaml', import.meta.url), 'utf8');
    expect(example).toBe(renderExampleConfig());
    expect(() => parseConfig(example, 'camsweep.example.yaml')).not.toThrow();
  });
});
