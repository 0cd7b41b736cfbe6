import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters, 256 bits that nobody guesses. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface InvitationToken {
  /** What the email's link carries; never stored. */
  token: string;
  /** What the database keeps (invitations.token_hash). */
  hash: Buffer;
}

/**
 * A new single-use token. Only its SHA-256 is stored: a leaked database (or backup) gives no
 * working link. A plain hash, not a slow password hash, is enough for 256 random bits, and it lets
 * `acceptInvitation` find the invitation with one index lookup.
 */
export function newInvitationToken(): InvitationToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether the text has a token's shape: anything else is refused without a query. */
export function looksLikeToken(value: string): boolean {
  return tokenPattern.test(value);
}
