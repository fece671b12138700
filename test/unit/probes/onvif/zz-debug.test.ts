import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { pino } from 'pino';
import { onvifProbe } from '../../../../src/probes/onvif/index.js';
import { start } from '../../../lab/sims/onvif.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { labDescribe } from '../shared/netns.js';
const fixtures = fileURLToPath(new URL('../../../fixtures/devices/', import.meta.url));
labDescribe('dbg', import.meta.url, (net) => {
  it('dbg', async () => {
    const n = net(); const ip = n.addHost(40);
    const s = await start({ fixtureDir: `${fixtures}dahua-nvr4108hs-8p-4ks2`, spec: { probeMatch: 'onvif/probe-match.xml', deviceInformation: 'onvif/device-information.xml', clockOffset: 3600 }, ip, iface: 'lo', mac: '3c:ef:8c:61:01:c0', log: (l) => console.log('SIM', l) });
    const run = fakeContext(onvifProbe, { targets: [`${n.prefix}.40`], interfaces: [n.iface], config: { timeout: 400, retries: 1, unicast: false } });
    (run.ctx as any).log = pino({ level: 'debug' });
    await onvifProbe.run(run.ctx);
    console.log(JSON.stringify(run.emitted, null, 0), run.refused);
    await s.stop();
  });
});
