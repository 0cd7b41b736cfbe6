import type { DataSource } from 'typeorm';
import { withStatement, withTransaction, type Actor, type Tx } from './transaction';

/** What a write needs of the request it serves: who makes it, and the caches it makes stale. */
export interface WriteContext {
  readonly caller: { readonly actor: Actor | null };
  readonly loaders: { clearAll(): void };
  readonly commits: { count: number };
}

/**
 * The one write path of the services. `run` opens a transaction on behalf of the caller (the actor
 * its events record), runs `work` in it (check, write, append the events: code that holds no
 * transaction cannot append one), commits, runs what the transaction asked to run after commit
 * (Tx.afterCommit), and clears the request's loaders, so that the request's later reads — the
 * mutation's payload — see the new state; and it counts the commit, so that the request is answered
 * as a change that was made, whatever fails after. No service opens a transaction or clears loaders itself.
 */
export class Writes {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(ctx: WriteContext, work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await withTransaction(this.dataSource, work, ctx.caller.actor);
    ctx.commits.count += 1;
    ctx.loaders.clearAll();
    return result;
  }

  /**
   * `run` for a write that is one statement, events included (event-log.ts writeWithEvents): no
   * BEGIN and COMMIT round trips (transaction.ts withStatement). `work` returns undefined when the
   * statement changed nothing: no commit is counted and the loaders stay.
   */
  async statement<T>(ctx: WriteContext, work: (tx: Tx) => Promise<T | undefined>): Promise<T | undefined> {
    const result = await withStatement(this.dataSource, work, ctx.caller.actor);
    if (result === undefined) return undefined;
    ctx.commits.count += 1;
    ctx.loaders.clearAll();
    return result;
  }

  /** The server's own work (the background jobs): no caller, no request. */
  system<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withTransaction(this.dataSource, work, null);
  }
}
