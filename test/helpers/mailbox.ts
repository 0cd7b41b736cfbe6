import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailboxOptions {
  /** Refuse every recipient with this text (550): a permanent failure. */
  refuse?: string;
  /**
   * Called with each message once it is stored, before the server answers DATA. Returning false
   * leaves the client without an answer: to the sender, a message the server has and never
   * acknowledged (e.g. after killing the sending process).
   */
  beforeAnswer?: (mail: ParsedMail, index: number) => boolean | void;
}

/**
 * A real SMTP server on loopback. It keeps what it receives and hands each message to whoever
 * awaits its recipient: tests wait for the message itself, never for time to pass.
 */
export class Mailbox {
  readonly received: ParsedMail[] = [];
  /** RCPT TO commands seen, refused ones included: one per delivery attempt. */
  readonly attempts: string[] = [];
  private readonly waiters: Array<{ to: string; count: number; resolve: (mail: ParsedMail[]) => void }> = [];
  private readonly server: SMTPServer;
  port = 0;

  constructor(options: MailboxOptions = {}) {
    this.server = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.attempts.push(address.address);
        if (!options.refuse) return callback();
        callback(Object.assign(new Error(options.refuse), { responseCode: 550 }));
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push(mail);
            for (const waiter of [...this.waiters]) {
              const mails = this.messagesFor(waiter.to);
              if (mails.length < waiter.count) continue;
              this.waiters.splice(this.waiters.indexOf(waiter), 1);
              waiter.resolve(mails.slice(0, waiter.count));
            }
            if (options.beforeAnswer?.(mail, this.received.length - 1) === false) return;
            callback();
          })
          .catch(callback);
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The first message to `to`: one already received, or the next to arrive. */
  async messageTo(to: string): Promise<ParsedMail> {
    return (await this.messagesTo(to, 1))[0];
  }

  /** The first `count` messages to `to`, once that many have arrived. */
  messagesTo(to: string, count: number): Promise<ParsedMail[]> {
    const mails = this.messagesFor(to);
    if (mails.length >= count) return Promise.resolve(mails.slice(0, count));
    return new Promise((resolve) => this.waiters.push({ to, count, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private messagesFor(to: string): ParsedMail[] {
    return this.received.filter((mail) => recipients(mail).includes(to));
  }
}

function recipients(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((address) => address.value.map((value) => value.address ?? ''));
}
