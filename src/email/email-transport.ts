import { createTransport } from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { messageIdOf } from './message-id';

/** One message as a transport sends it. */
export interface EmailMessage {
  /** Its outbox row's id: the same on every attempt (the Message-ID is made from it). */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** Where messages go: an SMTP server, or the log when none is configured. */
export interface EmailTransport {
  readonly kind: 'smtp' | 'log';
  /** Resolves once the message is accepted; rejects with the reason otherwise. */
  send(message: EmailMessage): Promise<void>;
}

/**
 * SMTP through nodemailer, one connection per message (no pool: messages are few and the job runs
 * briefly). Timeouts are far shorter than nodemailer's defaults (2 and 10 minutes) so that a
 * silent server cannot hold a claimed message past its lease (src/email/email-delivery.job.ts).
 * Each message carries the Message-ID of its outbox row (messageIdOf), not one nodemailer makes
 * up per attempt.
 */
export function smtpTransport(url: string, from: string): EmailTransport {
  const transporter = createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 }, { from });
  return {
    kind: 'smtp',
    send: async (message) => {
      await transporter.sendMail({
        messageId: messageIdOf(message.id, from),
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
      });
    },
  };
}

/**
 * Without SMTP_URL (the embedded default) a message is written to the log, link included: that is
 * how a developer gets an invitation's link without a mail server.
 */
export function logTransport(logger: Logger): EmailTransport {
  return {
    kind: 'log',
    send: async (message) => {
      logger.info('email (SMTP_URL is unset: written to the log, not sent)', { to: message.to, subject: message.subject, text: message.text });
    },
  };
}

export function createEmailTransport(config: Config, logger: Logger): EmailTransport {
  if (config.smtpUrl) return smtpTransport(config.smtpUrl, config.smtpFrom);
  if (config.production) {
    logger.warn('SMTP_URL is unset: invitation emails, with their single-use links, are written to the log instead of sent.');
  }
  return logTransport(logger);
}
