import { ErrorCode } from '../../src/common/errors';

const members = new Set<string>(Object.values(ErrorCode));

/**
 * Throws when an error the server answered carries a code the schema's ErrorCode does not list:
 * the test helpers that send operations call it on every answer, so each end-to-end test checks
 * the codes it meets, a code added tomorrow included.
 */
export function expectKnownCodes(errors: ReadonlyArray<{ extensions?: { code?: unknown } }> | undefined, over: string): void {
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !members.has(code)) {
      throw new Error(`The server answered over ${over} with the code ${JSON.stringify(code)}, which ErrorCode (src/common/errors.ts) does not list: ${JSON.stringify(error)}`);
    }
  }
}

/** The same for a WebSocket close reason that starts with a code (`TOO_MANY_CONNECTIONS: …`). */
export function expectKnownCloseReason(reason: string): void {
  const code = /^([A-Z][A-Z_]+): /.exec(reason)?.[1];
  if (code !== undefined && !members.has(code)) {
    throw new Error(`The server closed a WebSocket with the code ${code} in its reason, which ErrorCode (src/common/errors.ts) does not list: ${reason}`);
  }
}
