import WebSocket from 'ws';

export interface Message {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A graphql-transport-ws connection by hand: it stays open between operations (graphql-ws' lazy
 * client reconnects, and authenticates, for each), and shows close codes as they come. `headers`
 * go with the upgrade request (X-Forwarded-For, as a proxy would add it).
 */
export class RawConnection {
  private readonly inbox = new Map<string, Message[]>();
  private readonly waiters = new Map<string, Array<(message: Message) => void>>();
  private nextId = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      const key = message.id ?? message.type;
      const waiter = this.waiters.get(key)?.shift();
      if (waiter) waiter(message);
      else this.inbox.set(key, [...(this.inbox.get(key) ?? []), message]);
    });
  }

  /** Opens and initialises a connection; resolves once acknowledged, rejects with the close if refused. */
  static async open(url: string, payload: Record<string, unknown>, headers?: Record<string, string>): Promise<RawConnection> {
    const connection = await RawConnection.connect(url, headers);
    connection.send({ type: 'connection_init', payload });
    const outcome = await Promise.race([connection.receive('connection_ack'), connection.closed]);
    if ('code' in outcome) throw Object.assign(new Error(`closed with ${outcome.code}: ${outcome.reason}`), outcome);
    return connection;
  }

  static connect(url: string, headers?: Record<string, string>): Promise<RawConnection> {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Starts an operation; its messages come from `receive(id)`. */
  start(query: string, variables?: Record<string, unknown>): string {
    const id = String(++this.nextId);
    this.send({ type: 'subscribe', id, payload: { query, variables } });
    return id;
  }

  /** A whole operation: its last `next` payload, or the errors of its `error` message. */
  async run(query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
    const id = this.start(query, variables);
    let result: { data?: any; errors?: any[] } = {};
    for (;;) {
      const message = await this.receive(id);
      if (message.type === 'error') return { errors: message.payload };
      if (message.type === 'complete') return result;
      result = message.payload;
    }
  }

  /** The next message for `key`; rejects, with the close, if the connection closes first. */
  receive(key: string): Promise<Message> {
    const queued = this.inbox.get(key)?.shift();
    if (queued) return Promise.resolve(queued);
    const message = new Promise<Message>((resolve) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]));
    const closed = this.closed.then((close) => {
      throw Object.assign(new Error(`closed with ${close.code}: ${close.reason} while waiting for ${key}`), close);
    });
    return Promise.race([message, closed]);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    await this.closed;
  }
}
