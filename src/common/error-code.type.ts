import { registerEnumType } from 'type-graphql';
import { ErrorCode, errorCodeDescriptions } from './errors';

/** The schema's ErrorCode: the TypeScript enum's members, each with its description (src/common/errors.ts). */
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description:
    'The value of `extensions.code` in every error this API answers (and the code at the head of a WebSocket close reason). ' +
    'A closed list: a code is never reused for another meaning. Errors may carry more in `extensions`: `inputPath` (the input concerned), ' +
    '`limit` and `found` (a limit and by how much it was passed), `retryAfterSeconds`, `requestId`.',
  valuesConfig: Object.fromEntries(Object.values(ErrorCode).map((code) => [code, { description: errorCodeDescriptions[code] }])),
});

export { ErrorCode };
