import type { Client, FormattedExecutionResult } from 'graphql-ws';
import { expectKnownCloseReason, expectKnownCodes } from './known-codes';

/** What became of an operation sent over graphql-ws: its first result, or the socket's close code. */
export type WsOutcome =
  | { kind: 'result'; result: FormattedExecutionResult<any, unknown> }
  | { kind: 'complete' }
  | { kind: 'closed'; code: number; reason: string };

/**
 * Sends one operation on `client` and settles on the first thing that happens to it: a result
 * (data or errors), completion, or the connection closing (4401 without a usable token). The
 * operation is disposed of afterwards; the client is left to the caller.
 */
export function firstOutcome(client: Client, payload: { query: string; variables?: Record<string, unknown> }): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let dispose: (() => void) | undefined;
    // `fromServer`: false for what the client itself reports, whose code is the helper's own.
    const settle = (outcome: WsOutcome, fromServer = true) => {
      if (settled) return;
      settled = true;
      offClosed();
      try {
        if (outcome.kind === 'result' && fromServer) expectKnownCodes(outcome.result.errors, 'WebSocket');
        if (outcome.kind === 'closed') expectKnownCloseReason(outcome.reason);
        resolve(outcome);
      } catch (error) {
        reject(error);
      }
      dispose?.();
    };
    const offClosed = client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: unknown };
      settle({ kind: 'closed', code, reason: String(reason ?? '') });
    });
    dispose = client.subscribe(payload, {
      next: (result) => settle({ kind: 'result', result }),
      error: (error) => {
        if (Array.isArray(error)) settle({ kind: 'result', result: { errors: error } });
        else if (error && typeof (error as { code?: unknown }).code === 'number') {
          const { code, reason } = error as { code: number; reason: unknown };
          settle({ kind: 'closed', code, reason: String(reason ?? '') });
        } else settle({ kind: 'result', result: { errors: [{ message: String(error), extensions: { code: 'CLIENT_ERROR' } }] as any } }, false);
      },
      complete: () => settle({ kind: 'complete' }),
    });
    if (settled) dispose();
  });
}

/** The close code of `client`'s connection the next time it closes. */
export function nextClose(client: Client): Promise<number> {
  return new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off();
      resolve((event as { code: number }).code);
    });
  });
}
