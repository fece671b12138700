/**
 * Credentials the collector hands out or checks. Agent tokens and session ids are 256-bit
 * random values stored only as SHA-256 digests (a database leak yields nothing replayable);
 * dashboard passwords use scrypt (RFC 7914). Every comparison is constant-time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Agent token: `csw_<id>_<secret>`. The id finds the row; the secret is checked by digest. */
export interface AgentToken {
  readonly id: string;
  readonly secret: string;
  readonly text: string;
}

export function newAgentToken(): AgentToken {
  const id = randomBytes(6).toString('hex');
  const secret = randomSecret(32);
  return { id, secret, text: `csw_${id}_${secret}` };
}

export function parseAgentToken(text: string): { id: string; secret: string } | null {
  const m = /^csw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

// N = 2^15 costs ~50 ms on one core: slow for guessing, fine for a login form.
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

// Checked against when the user does not exist, so timing does not reveal which names exist.
const DUMMY_HASH = `scrypt$${SCRYPT.N}$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export async function checkPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64'), n, r, p);
  return stored !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
}
