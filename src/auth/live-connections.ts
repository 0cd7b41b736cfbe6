import type { WebSocket } from 'ws';
import type { Queryable } from '../db/queryable';
import type { Job } from '../jobs/jobs';
import type { Logger } from '../logger';
import { usableTokenUuids } from './api-token.repository';

/** graphql-ws close code for a connection whose token was revoked or expired while it was open (4403 Forbidden). */
export const tokenEndedClose = 4403;

/**
 * This instance's WebSocket connections by token, so that a revoked or expired token's live
 * subscriptions end: at once when it is revoked here, within one job interval when elsewhere.
 */
export class LiveConnections {
  private readonly byToken = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly db: Queryable,
    private readonly logger: Logger,
  ) {}

  add(tokenUuid: string, socket: WebSocket): void {
    let sockets = this.byToken.get(tokenUuid);
    if (!sockets) this.byToken.set(tokenUuid, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.byToken.get(tokenUuid) === sockets) this.byToken.delete(tokenUuid);
    });
  }

  end(tokenUuid: string): void {
    for (const socket of this.byToken.get(tokenUuid) ?? []) socket.close(tokenEndedClose, 'The API token was revoked or has expired.');
    this.byToken.delete(tokenUuid);
  }

  /** The job that ends the connections of tokens revoked on other instances, or expired. */
  sweepJob(): Job {
    return {
      name: 'token-sweep',
      run: async () => {
        const tokens = [...this.byToken.keys()];
        if (tokens.length === 0) return;
        const usable = await usableTokenUuids(this.db, tokens);
        for (const token of tokens) {
          if (!usable.has(token)) {
            this.logger.info('closing connections of an API token no longer usable', { tokenUuid: token });
            this.end(token);
          }
        }
      },
    };
  }
}
