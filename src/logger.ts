import pino, { type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config';

/**
 * One JSON line per entry on stdout, so that logs can be read by people and machines alike. Backed
 * by pino, which the access log (src/server/access-log.ts) writes through too: every
 * line has one shape — `level` as a word, `time` in ISO 8601, `message`, then the fields.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** The pino logger behind it, for what writes pino's objects (the access log). */
  readonly pino: PinoLogger;
}

/**
 * Never written, whoever passes them: the credentials a request carries (the Authorization header,
 * cookies) and fields named `secret` or `token` (webhook secrets, invitation and API tokens), at
 * the top of an entry or one level down. A token's key is logged as `tokenUuid`, its global ID as
 * `tokenId`.
 */
export const redactedPaths = [
  'authorization',
  'cookie',
  'secret',
  'token',
  '*.authorization',
  '*.cookie',
  '*.secret',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** `write` receives each line without its newline (tests keep them); by default they go to stdout, synchronously. */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination = write ? { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) } : pino.destination({ dest: 1, sync: true });
  const logger = pino(
    {
      level,
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    destination,
  );
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    pino: logger,
  };
}
