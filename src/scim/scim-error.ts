import { GraphQLError } from 'graphql';
import { AppError, ErrorCode, serviceUnavailableRetryAfterSeconds } from '../common/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import { ScimFilterError } from './filter';

/** RFC 7644 §3.12's detail error keywords. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An answer of the SCIM edge that is an error: its HTTP status, keyword and a sentence for a person. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get body() {
    return { schemas: [errorSchema], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.detail };
  }
}

export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const notFoundError = (detail = 'No resource has this id in the realm.') => new ScimError(404, undefined, detail);

/**
 * A service's refusal, in SCIM's terms (docs/decisions.md 102). The services speak of the GraphQL
 * input (`inputPath`); the resource itself not found is 404, an identity named as a member that is
 * not there is the request's bad value.
 */
export function scimErrorOf(error: AppError): ScimError {
  const resourceItself = (error.extensions.inputPath as unknown[] | undefined)?.[1] === 'id';
  switch (error.code) {
    case ErrorCode.DUPLICATE_USERNAME:
    case ErrorCode.DUPLICATE_EMAIL:
    case ErrorCode.DUPLICATE_EXTERNAL_ID:
    case ErrorCode.DUPLICATE_GROUP_NAME:
    case ErrorCode.IDP_IDENTITY_CONFLICT:
      return new ScimError(409, 'uniqueness', error.message);
    case ErrorCode.NOT_FOUND:
      return resourceItself ? notFoundError() : invalidValue(`${error.message} It is not a user or group of this realm.`);
    case ErrorCode.INVALID_ID:
      return resourceItself ? notFoundError() : invalidValue(error.message);
    case ErrorCode.VERSION_CONFLICT:
      return new ScimError(412, undefined, 'The resource changed since the version in If-Match: read it again, then send the change with its new version.');
    case ErrorCode.INVALID_INPUT:
    case ErrorCode.CROSS_REALM:
    case ErrorCode.GROUP_CYCLE:
    case ErrorCode.INVALID_STATUS_TRANSITION:
    case ErrorCode.INVALID_CURSOR:
      return invalidValue(error.message);
    case ErrorCode.FORBIDDEN:
      return new ScimError(403, undefined, error.message);
    case ErrorCode.UNAUTHENTICATED:
      return new ScimError(401, undefined, error.message, { 'www-authenticate': 'Bearer realm="realmgraph SCIM"' });
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.SERVICE_UNAVAILABLE:
      return new ScimError(error.code === ErrorCode.RATE_LIMITED ? 429 : 503, undefined, error.message, {
        'retry-after': String(serviceUnavailableRetryAfterSeconds),
      });
    default:
      return new ScimError(500, undefined, 'Internal server error.');
  }
}

/**
 * Any error of a SCIM request as the answer it gets: ours as they are, the services' codes mapped,
 * the body parser's refusals, an outage as 503; anything else is logged (`logUnexpected`) and
 * answered 500 with nothing of it in the answer.
 */
export function toScimError(error: unknown, logUnexpected: (error: unknown) => void): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof ScimFilterError) return new ScimError(400, 'invalidFilter', error.message);
  if (error instanceof AppError) return scimErrorOf(error);
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string' && error.extensions.code in ErrorCode) {
    return scimErrorOf(new AppError(error.extensions.code as ErrorCode, error.message));
  }
  const bodyError = error as { type?: string; status?: number; limit?: number };
  if (bodyError.type === 'entity.parse.failed') return new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.');
  if (bodyError.type === 'entity.too.large') return new ScimError(413, undefined, `The request body is over ${bodyError.limit ?? 'the limit of'} bytes.`);
  if (bodyError.status !== undefined && bodyError.status < 500) return new ScimError(bodyError.status, 'invalidSyntax', 'The request body cannot be read.');
  if (isDatabaseUnavailable(error)) return scimErrorOf(new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable; retry shortly.'));
  logUnexpected(error);
  return new ScimError(500, undefined, 'Internal server error.');
}
