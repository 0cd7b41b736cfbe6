import { Query, Resolver } from 'type-graphql';
import { ErrorCode } from '../common/error-code.type';

const errorCodes = Object.values(ErrorCode);

/**
 * The error codes as a field, not only as a type: code generators that emit only the types a
 * client's operations use see ErrorCode once one operation selects this (docs/decisions.md 97).
 */
@Resolver()
export class ErrorCodeResolver {
  @Query(() => [ErrorCode], {
    description:
      'Every value `extensions.code` can take: all of ErrorCode, whose descriptions say when each happens and what a client should do. ' +
      'Any API token may read it. Select it in one operation of a client so that code generators which emit only the types operations use ' +
      '(graphql-codegen’s client preset, Apollo Kotlin, Apollo iOS) emit ErrorCode too.',
  })
  errorCodes(): ErrorCode[] {
    return errorCodes;
  }
}
