/**
 * Why camsweep does not use node-onvif (docs/protocols.md §6.1), shown against our ONVIF sim: an
 * NVR or gateway that answers one Probe with a datagram carrying two ProbeMatch elements is
 * dropped whole by node-onvif (its xml2js result is an array it does not expect), while the
 * onvif probe reports both endpoints. A single-match camera answering the same Probe shows
 * node-onvif itself works in this namespace.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { onvifProbe } from '../../../../src/agent/probes/onvif/index.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start } from '../../../lab/sims/onvif.js';
import { labDescribe } from '../shared/netns.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/devices/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camsweep-onvif-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Endpoints unique to this test: other lab tests' sims in the namespace may answer node-onvif's
// Probe too (it cannot be scoped), so only these two identify the proxy's answer.
const PROXIED = ['c0ffee01-3aa0-11b5-83f6-b4a3820fd9f0', 'c0ffee02-3aa0-11b5-83f6-b4a3820fd9f1'];

/** An NVR proxying two cameras: the real Hikvision ProbeMatch twice, with the endpoints above. */
function twoMatchFixture(): string {
  const real = readFileSync(join(fixtures, 'hikvision-ds-2cd3955fwd-iws/onvif/probe-match.xml'), 'utf8');
  const match = /<d:ProbeMatch>[\s\S]*<\/d:ProbeMatch>/.exec(real)![0];
  const [first, second] = PROXIED.map((id) => match.replace('18ec6401-3aa0-11b5-83f6-{{macHex}}', id));
  mkdirSync(join(tmp, 'onvif'), { recursive: true });
  writeFileSync(join(tmp, 'onvif/probe-match.xml'), real.replace(match, first! + second!));
  return tmp;
}

labDescribe('node-onvif compared with the onvif probe', import.meta.url, (net) => {
  it('node-onvif drops a two-ProbeMatch datagram that the onvif probe reads in full', async () => {
    const n = net();
    const [proxy, camera] = [n.addHost(70), n.addHost(71)];
    const sims = [
      await start({
        fixtureDir: twoMatchFixture(),
        spec: {},
        ip: proxy,
        iface: 'lo',
        mac: 'b4:a3:82:0f:d9:2d',
        log: () => undefined,
      }),
      await start({
        fixtureDir: join(fixtures, 'dahua-dh-ipc-hdw1230t2'),
        spec: {},
        ip: camera,
        iface: 'lo',
        mac: '3c:ef:8c:11:22:33',
        log: () => undefined,
      }),
    ];
    try {
      const onvif = createRequire(import.meta.url)('node-onvif') as {
        startProbe(): Promise<{ urn: string }[]>;
      };
      const theirs = (await onvif.startProbe()).map((d) => d.urn);
      expect(theirs).toContain('uuid:74f7e627-c54f-49fb-84ed-6de9b7f588a5'); // the single-match camera
      expect(theirs.filter((u) => PROXIED.some((id) => u.endsWith(id)))).toEqual([]); // both proxied ones lost

      const run = fakeContext(onvifProbe, {
        targets: [`${n.prefix}.70-${n.prefix}.71`],
        interfaces: [n.iface],
        config: { listen: 400, retries: 1, deviceService: false },
      });
      await onvifProbe.run(run.ctx);
      const ours = run.emitted.filter((o) => o.key === 'onvif.endpoint');
      expect(ours.filter((o) => o.host === proxy).map((o) => o.value)).toEqual(PROXIED);
      expect(ours.filter((o) => o.host === camera).map((o) => o.value)).toEqual([
        '74f7e627-c54f-49fb-84ed-6de9b7f588a5',
      ]);
    } finally {
      await Promise.all(sims.map((s) => s.stop()));
    }
  }, 15_000);
});
