/** Item 5: no secret text in any error (credentials file typos, a secret under targets). */
import { pathToFileURL } from 'node:url';
import type { Context, Outcome, Scenario } from '../lib.js';

const SECRET = 'Zq7-Sup3rSecret';

export const secretsInErrors: Scenario = {
  name: 'secrets echoed in errors',
  item: '5',
  async run(ctx: Context): Promise<Outcome> {
    const { parseCredentials } = (await import(
      pathToFileURL(`${ctx.root}/dist/src/agent/credentials.js`).href
    )) as typeof import('../../../src/agent/credentials.js');
    const { parseTarget } = (await import(
      pathToFileURL(`${ctx.root}/dist/src/core/scope.js`).href
    )) as typeof import('../../../src/core/scope.js');
    const entry = (line: string) =>
      `entries:\n  - targets: [10.20.0.0/16]\n    http:\n      username: admin\n${line}\n`;
    const cases: (() => unknown)[] = [
      ...[
        `      password "${SECRET}"`,
        `      password ${SECRET}`,
        `      ${SECRET}: x`,
        `      password: "${SECRET}`,
        `      "${SECRET}"`,
        `      password:"${SECRET}"`,
      ].map((l) => () => parseCredentials(entry(l), 'creds.yaml')),
      () => parseTarget(SECRET),
      () => parseTarget(`10.0.0.1-${SECRET}`),
    ];
    const leaks: number[] = [];
    cases.forEach((fn, i) => {
      try {
        fn();
      } catch (err) {
        const text = `${(err as Error).message} ${(err as { fix?: string }).fix ?? ''}`;
        if (text.includes(SECRET) || text.includes(SECRET.slice(4))) leaks.push(i);
      }
    });
    return {
      tries: cases.length,
      held: leaks.length === 0,
      detail: leaks.length ? `secret printed by cases ${leaks.join(', ')}` : 'no error quoted the secret',
    };
  },
};
