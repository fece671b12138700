/**
 * Vendor hints that gate the probe's own follow-up requests (Dahua's login challenge, which
 * credentialed read to try). They are not identification: `identify` decides what a device
 * is from signatures; these only keep vendor-specific requests away from hosts that show no
 * sign of that vendor. Sources: docs/protocols.md §5.1–§5.3.
 */
import { bodyText, realmsOf } from './codec.js';
import type { Hint } from './requests.js';
import { type HttpResponse, headerValues } from './wire.js';

interface HintRule {
  readonly server?: RegExp;
  readonly realm?: RegExp;
  readonly body?: RegExp;
}

const RULES: Readonly<Record<Hint, HintRule>> = {
  hikvision: {
    // App-webs/, DNVRS-Webs, DVRDVS-Webs, Hikvision-Webs, DVS-Webs (§5.1)
    server: /^(?:App-webs\/?|(?:DNVRS|DVRDVS|Hikvision|DVS)-Webs)$/i,
    // "IP Camera(C2183)", model-as-realm "DS-2CD2310FD-I", legacy "hikvision" (§5.2)
    realm: /^(?:IP Camera\(|hikvision$|i?DS-[0-9A-Z])/i,
    // The root page's redirect to the legacy or current web UI (§5.2)
    body: /\/doc\/page\/login\.asp|\/doc\/index\.html/,
  },
  dahua: {
    // "Login to <serial>" on HTTP, RTSP and ONVIF (§5.3)
    realm: /^Login to [0-9A-Za-z]{8,40}$/,
    // web3.0 UI references its JSON-RPC endpoints; webCapsConfig names WebVersion (§5.3)
    body: /\/RPC2(?:_Login)?\b|"WebVersion"/,
  },
};

/** The vendors a response hints at. */
export function hintsOf(response: HttpResponse): Hint[] {
  const server = headerValues(response, 'server')[0];
  const realms = realmsOf(headerValues(response, 'www-authenticate'));
  const text = response.body.length > 0 ? bodyText(response.body.subarray(0, 65536)) : '';
  const out: Hint[] = [];
  for (const [hint, rule] of Object.entries(RULES) as Array<[Hint, HintRule]>) {
    if (
      (rule.server && server !== undefined && rule.server.test(server.trim())) ||
      (rule.realm && realms.some((r) => rule.realm!.test(r))) ||
      rule.body?.test(text)
    )
      out.push(hint);
  }
  return out;
}
