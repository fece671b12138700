/**
 * The collector's config file (`camsweep collector serve --config FILE`): read once, parsed with
 * line numbers, and checked for its top-level shape. Each section (`auth:` in auth/config.ts,
 * `events:` in events/config.ts) is validated by the module that owns it.
 */
import { readFileSync } from 'node:fs';
import { CamsweepError } from '../../core/errors.js';
import { parseYamlWithLines } from '../../core/yaml.js';

export const CONFIG_SECTIONS = ['auth', 'events'] as const;

export interface CollectorConfigFile {
  readonly file: string;
  /** The top-level mapping, by section name (a missing section is undefined). */
  readonly sections: Readonly<Record<string, unknown>>;
  readonly lineOfPath: (path: readonly (string | number)[]) => number | null;
}

export function readCollectorConfigFile(file: string): CollectorConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CamsweepError(
      'E_CONFIG_READ',
      `cannot read collector config ${file}: ${(err as Error).message}`,
      {
        fix: 'check the --config path (or CAMSWEEP_COLLECTOR_CONFIG) and that the collector user may read it',
      },
    );
  }
  const yaml = parseYamlWithLines(text, { schema: 'core' });
  const problems = yaml.errors.map((e) => `${file}:${e.line}: ${e.code} ${e.message}`);
  const data: unknown = problems.length > 0 ? null : yaml.doc.toJS();
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data)))
    problems.push(`${file}:1: the file must be a mapping of sections (${CONFIG_SECTIONS.join(', ')})`);
  const sections = (problems.length > 0 ? {} : (data ?? {})) as Record<string, unknown>;
  for (const key of Object.keys(sections))
    if (!(CONFIG_SECTIONS as readonly string[]).includes(key))
      problems.push(
        `${file}:${yaml.lineOfPath([key]) ?? 1} ${key}: unknown section (allowed: ${CONFIG_SECTIONS.join(', ')})`,
      );
  if (problems.length > 0)
    throw new CamsweepError('E_CONFIG', `collector config:\n  ${problems.join('\n  ')}`, {
      fix: 'correct the named lines; src/collector/README.md documents each section',
    });
  return { file, sections, lineOfPath: (path) => yaml.lineOfPath(path) };
}
