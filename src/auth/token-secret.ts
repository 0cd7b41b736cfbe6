import { createHash, randomBytes } from 'node:crypto';

/** "rg_" and 32 random bytes: recognisable in logs and secret scanners, unguessable. */
export function newTokenSecret(): string {
  return `rg_${randomBytes(32).toString('base64url')}`;
}

/** Only this is stored: a leaked table does not leak usable tokens. */
export function hashTokenSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
