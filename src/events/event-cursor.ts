import { AppError, ErrorCode, type InputPath } from '../common/errors';

/**
 * An event's cursor: its realm and its number in the realm's log, opaque to clients. Resuming
 * after it means "every event of that realm numbered higher".
 */
export function encodeEventCursor(realmUuid: string, seq: string): string {
  return Buffer.from(`${realmUuid}:${seq}`).toString('base64url');
}

const pattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(0|[1-9][0-9]{0,17})$/;

/** The number behind a cursor of `realmUuid`'s log; INVALID_CURSOR for anything else. */
export function decodeEventCursor(cursor: string, realmUuid: string, path: InputPath): string {
  const match = pattern.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== realmUuid || encodeEventCursor(match[1], match[2]) !== cursor) {
    throw new AppError(ErrorCode.INVALID_CURSOR, 'This is not a cursor of this realm’s event log.', path);
  }
  return match[2];
}
