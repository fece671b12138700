/**
 * Organisation signatures over attestation files (node:crypto Ed25519). The signature covers
 * every byte of the file as written, so any edit — one byte of HTML or PDF — fails
 * verification. Keys are PEM: PKCS#8 private (written 0600), SPKI public.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CamsweepError } from '../core/errors.js';
import { sha256Hex } from './canonical.js';

export const SIGNATURE_SCHEMA = 'camsweep.signature/v1';

export interface SignatureFile {
  readonly schema: typeof SIGNATURE_SCHEMA;
  readonly algorithm: 'Ed25519';
  readonly file: string;
  readonly sha256: string;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER), to tell keys apart. */
  readonly keyId: string;
  readonly signedAt: string;
  readonly signature: string;
}

export function keyId(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

export function generateKeys(prefix: string): { privatePath: string; publicPath: string; keyId: string } {
  const privatePath = `${prefix}.key`;
  const publicPath = `${prefix}.pub`;
  for (const p of [privatePath, publicPath])
    if (existsSync(p))
      throw new CamsweepError('E_USAGE', `${p} already exists; refusing to overwrite a key`, {
        fix: 'choose another --out prefix, or move the old key away first',
      });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { privatePath, publicPath, keyId: keyId(publicKey) };
}

function readKey(path: string, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    const pem = readFileSync(path);
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (err) {
    throw new CamsweepError('E_USAGE', `cannot read the ${kind} key ${path}: ${(err as Error).message}`, {
      fix: 'give a PEM key written by `camsweep report keygen`',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new CamsweepError('E_USAGE', `${path} is a ${key.asymmetricKeyType} key, not Ed25519`, {
      fix: 'create an organisation key with `camsweep report keygen --out NAME`',
    });
  return key;
}

export function signFile(path: string, privateKeyPath: string, now = new Date()): SignatureFile {
  const bytes = readFileSync(path);
  const privateKey = readKey(privateKeyPath, 'private');
  return {
    schema: SIGNATURE_SCHEMA,
    algorithm: 'Ed25519',
    file: basename(path),
    sha256: sha256Hex(bytes),
    keyId: keyId(createPublicKey(privateKey)),
    signedAt: now.toISOString(),
    signature: sign(null, bytes, privateKey).toString('base64'),
  };
}

export interface SignatureCheck {
  readonly ok: boolean;
  readonly problems: string[];
  readonly keyId: string;
}

export function verifyFile(path: string, signaturePath: string, publicKeyPath: string): SignatureCheck {
  const bytes = readFileSync(path);
  const publicKey = readKey(publicKeyPath, 'public');
  const id = keyId(publicKey);
  let sig: Partial<SignatureFile>;
  try {
    sig = JSON.parse(readFileSync(signaturePath, 'utf8')) as Partial<SignatureFile>;
  } catch (err) {
    return {
      ok: false,
      keyId: id,
      problems: [`signature file ${signaturePath} is unreadable: ${(err as Error).message}`],
    };
  }
  const problems: string[] = [];
  if (sig.schema !== SIGNATURE_SCHEMA || sig.algorithm !== 'Ed25519' || typeof sig.signature !== 'string')
    return {
      ok: false,
      keyId: id,
      problems: [`${signaturePath} is not a ${SIGNATURE_SCHEMA} Ed25519 signature`],
    };
  if (sig.keyId !== id)
    problems.push(`signed with key ${String(sig.keyId)}, but the public key given is ${id}`);
  const digest = sha256Hex(bytes);
  if (sig.sha256 !== digest)
    problems.push(
      `file SHA-256 is ${digest}, the signature was made over ${String(sig.sha256)}: the file was changed`,
    );
  if (!verify(null, bytes, publicKey, Buffer.from(sig.signature, 'base64')))
    problems.push('the Ed25519 signature does not match the file and key');
  return { ok: problems.length === 0, keyId: id, problems };
}
