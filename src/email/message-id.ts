/** RFC 5322 dot-atom-text: what the right of a msg-id's "@" may be (a domain, as practice has it). */
const dotAtom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The domain of the default SMTP_FROM, for a sender whose address has none usable. */
const fallbackDomain = 'realmgraph.localhost';

/**
 * The Message-ID of an outbox message: `<row id@domain of SMTP_FROM>` (RFC 5322 §3.6.4). The same
 * on every attempt, so that a message sent again after a crash — the mail server had taken it,
 * nobody recorded that — is recognisably the one already delivered: receivers and mail clients
 * can collapse the copies. A resend of an invitation is another row, hence another message.
 * The row id (a UUID) is unique, as the RFC asks, and says nothing about the recipient.
 */
export function messageIdOf(outboxUuid: string, from: string): string {
  return `<${outboxUuid}@${domainOf(from)}>`;
}

/** `Name <user@example.com>` or `user@example.com` → `example.com`, lower-cased. */
export function domainOf(from: string): string {
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
  return address.includes('@') && dotAtom.test(domain) ? domain : fallbackDomain;
}
