import { AppError, ErrorCode, type InputPath } from '../common/errors';

/**
 * An event's cursor: its realm and its number in the realm's log, opaque to clients. Resuming
 * after it means "every event of that realm numbered higher".
 */
export function encodeEventCursor(realmUuid: string, seq: string): string {
  return Buffer.from(`${realmUuid}:${seq}`).toString('base64url');
}

/**
 * The cursor of one identity's change in a transitive subscription's expansion of a logged event
 * (a nesting brings in, or takes out, many identities: decision 107): resuming after it means the
 * rest of that event's expansion, after this identity (they come in identity ID order), then the
 * events numbered higher.
 */
export function encodeExpansionCursor(realmUuid: string, seq: string, identityUuid: string): string {
  return Buffer.from(`${realmUuid}:${seq}:${identityUuid}`).toString('base64url');
}

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const pattern = new RegExp(`^(${uuid}):(0|[1-9][0-9]{0,17})(?::(${uuid}))?$`);

/** Where a cursor points: after the event `seq` or, inside a transitive expansion of it, after `identityUuid`. */
export interface StreamPosition {
  seq: string;
  identityUuid?: string;
}

/** The position behind a cursor of `realmUuid`'s log; INVALID_CURSOR for anything else. */
export function decodeStreamCursor(cursor: string, realmUuid: string, path: InputPath): StreamPosition {
  const match = pattern.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const canonical = match && (match[3] ? encodeExpansionCursor(match[1], match[2], match[3]) : encodeEventCursor(match[1], match[2]));
  // An expansion is of an event, and the log's first is numbered 1.
  if (!match || match[1] !== realmUuid || canonical !== cursor || (match[3] !== undefined && match[2] === '0')) {
    throw new AppError(ErrorCode.INVALID_CURSOR, 'This is not a cursor of this realm’s event log.', path);
  }
  return match[3] ? { seq: match[2], identityUuid: match[3] } : { seq: match[2] };
}

/**
 * The number behind a cursor of `realmUuid`'s log: a transitive expansion's cursor stands for its
 * event, which a reader of the log itself has then seen.
 */
export function decodeEventCursor(cursor: string, realmUuid: string, path: InputPath): string {
  return decodeStreamCursor(cursor, realmUuid, path).seq;
}
