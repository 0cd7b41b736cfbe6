/**
 * What a failed delivery records — the outbox's `lastError`, INVITATION_DELIVERY_FAILED's
 * `data.error` — which any token with invitations:read or events:read reads: why it failed, in
 * words, with the mail server's own answer when it gave one, but never the transport's message
 * for a connection that failed, which names the mail server's host and port (an internal address,
 * kept in the log for the operator). Nodemailer's errors carry `responseCode`/`response` for an
 * SMTP answer, and `code` (its own: ESOCKET, EDNS, ETIMEDOUT, EAUTH, …) with the socket's
 * `originalCode` (ECONNREFUSED, ENOTFOUND, …) for the rest.
 */
export function deliveryFailure(cause: unknown): string {
  const error = (typeof cause === 'object' && cause !== null ? cause : {}) as {
    responseCode?: unknown;
    response?: unknown;
    code?: unknown;
    originalCode?: unknown;
  };
  if (typeof error.responseCode === 'number') {
    const answer = typeof error.response === 'string' ? error.response.replace(/\s+/g, ' ').trim() : String(error.responseCode);
    return clip(`The mail server refused the message: ${answer}`);
  }
  const code = typeof error.originalCode === 'string' ? error.originalCode : typeof error.code === 'string' ? error.code : undefined;
  const why = reasons[code ?? ''] ?? 'Sending failed';
  return `${why} (${code ?? 'no error code'}).`;
}

const reasons: Record<string, string> = {
  ECONNREFUSED: 'The mail server refused the connection',
  ECONNRESET: 'The mail server closed the connection',
  EPIPE: 'The mail server closed the connection',
  ESOCKET: 'The connection to the mail server failed',
  ECONNECTION: 'The connection to the mail server failed',
  EHOSTUNREACH: 'The mail server cannot be reached',
  ENETUNREACH: 'The mail server cannot be reached',
  ENOTFOUND: 'The mail server’s host name does not resolve',
  EAI_AGAIN: 'The mail server’s host name could not be resolved just now',
  EDNS: 'The mail server’s host name could not be resolved',
  ETIMEDOUT: 'The mail server did not answer in time',
  EAUTH: 'The mail server refused the credentials of SMTP_URL',
  ETLS: 'TLS with the mail server failed',
};

/** SMTP servers can answer at length. */
const maxLength = 1000;

function clip(text: string): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
