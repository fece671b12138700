/**
 * The unauthenticated requests the http probe sends to each HTTP(S) port, as data. Every entry
 * is a read (GET) except Dahua's first login stage, and says why it is safe and what it tells.
 * Nothing here writes, resets, activates or exploits; paths that are also known exploit
 * endpoints are only ever read. Sources: docs/protocols.md §5.2 (Hikvision), §5.3 (Dahua).
 */

/** Vendors whose web UI earns extra reads; each is a manufacturer id of the vocabulary. */
export const HINTS = ['hikvision', 'dahua'] as const;
export type Hint = (typeof HINTS)[number];

export interface CuratedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Sent only when an earlier answer on the same port hinted at this vendor. */
  readonly onlyIf?: Hint;
  readonly body?: string;
  readonly contentType?: string;
  /** Why this request is harmless and what it reveals. */
  readonly why: string;
}

/** Dahua web3.0 login, first stage: asks for a challenge with an empty password (§5.3). */
export const DAHUA_LOGIN_CHALLENGE = JSON.stringify({
  method: 'global.login',
  params: { userName: 'admin', password: '', clientType: 'Web3.0', loginType: 'Direct' },
  id: 1,
});

export const CURATED_REQUESTS: readonly CuratedRequest[] = [
  {
    method: 'GET',
    path: '/doc/page/login.asp',
    why: 'Hikvision legacy web UI login page; a static page, read-only, 404 elsewhere',
  },
  {
    method: 'GET',
    path: '/SDK/webLanguage',
    why: 'Hikvision returns a small <Language> XML without auth. Also the CVE-2021-36260 endpoint, which is only exploitable with PUT; we only GET',
  },
  {
    method: 'GET',
    path: '/ISAPI/System/deviceInfo',
    why: 'Hikvision ISAPI device info; without credentials it answers 401 whose Digest realm is often the model or "IP Camera(<code>)"',
  },
  {
    method: 'GET',
    path: '/web_caps/webCapsConfig',
    why: 'Dahua-family (Amcrest, Q-See, Intelbras) web UI capability JSON with vendor and deviceType; a static read',
  },
  {
    method: 'GET',
    path: '/cgi-bin/magicBox.cgi?action=getSystemInfo',
    why: 'Dahua CGI; without credentials 401 with realm "Login to <serial>". getSystemInfo is a read action',
  },
  {
    method: 'POST',
    path: '/RPC2_Login',
    onlyIf: 'dahua',
    body: DAHUA_LOGIN_CHALLENGE,
    contentType: 'application/json',
    why: 'Dahua login stage 1 only: the device answers a challenge (realm with serial, MAC) and no password is checked. Stage 2 is never sent. Only sent after a Dahua hint so other servers never see a login POST',
  },
];

/** Where a favicon is fetched when the page does not name one. */
export const DEFAULT_FAVICON_PATH = '/favicon.ico';
