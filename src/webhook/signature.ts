import { createHmac, randomBytes } from 'node:crypto';

/** The prefix of a Standard Webhooks secret; the rest is the key, base64. */
const secretPrefix = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes, base64 (the Standard Webhooks form). */
export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

/** The key behind a secret: the base64-decoded part after `whsec_`. */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64');
}

/**
 * One signature as Standard Webhooks defines it: `v1,` and the base64 HMAC-SHA256, under the
 * secret's key, of `<webhook-id>.<webhook-timestamp>.<body>`.
 */
export function signature(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * The `webhook-signature` header: a signature per secret, space-separated — the current secret's
 * first, then, during a rotation's grace period, the previous one's; a receiver accepts the
 * delivery when any of them verifies with a secret it holds.
 */
export function signatureHeader(secrets: readonly string[], webhookId: string, timestampSeconds: number, body: string): string {
  return secrets.map((secret) => signature(secret, webhookId, timestampSeconds, body)).join(' ');
}
