/**
 * Issue 14 item 5: no secret text in any error. A secret typed without its colon in the
 * credentials file, or pasted under `targets`, must not be printed back.
 */
import { describe, expect, it } from 'vitest';
import { parseCredentials } from '../../../src/agent/credentials.js';
import { parseTarget, resolveScope } from '../../../src/core/scope.js';

const SECRET = 'Sup3rSecretX';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return `${(err as Error).message} ${(err as { fix?: string }).fix ?? ''}`;
  }
  throw new Error('expected an error');
}

describe('errors never quote a secret', () => {
  const entry = (line: string) =>
    `entries:\n  - targets: [10.20.0.0/16]\n    http:\n      username: admin\n${line}\n`;

  it.each([
    `      password "${SECRET}"`,
    `      ${SECRET}: 1`,
    `      password ${SECRET}`,
    `      password: "${SECRET}`,
    `      "${SECRET}"`,
  ])('credentials file with %j', (line) => {
    const text = messageOf(() => parseCredentials(entry(line), 'c.yaml'));
    expect(text).toMatch(/c\.yaml:\d/);
    expect(text).not.toContain(SECRET);
  });

  it('still names a key that is a typo of an allowed one', () => {
    const text = messageOf(() => parseCredentials(entry('      pasword: "x"'), 'c.yaml'));
    expect(text).toContain('entries[0].http.pasword: unknown key');
  });

  it('scope guard does not echo a target that is not address-shaped', () => {
    expect(messageOf(() => parseTarget(SECRET))).not.toContain(SECRET);
    expect(
      messageOf(() => resolveScope({ targets: ['10.0.0.1', `hunter2${SECRET}`], interfaces: [] })),
    ).not.toContain(SECRET);
    expect(messageOf(() => parseTarget('10.0.0.0/33'))).toContain('"10.0.0.0/33"');
  });
});
