import { Field, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';

@ObjectType({ implements: Node, simpleResolvers: true, description: 'An API token; its secret is shown once, when it is created, and never stored.' })
export class ApiToken extends Node {
  @Field()
  name: string;

  @Field(() => [String], { description: 'What it may do (see the README’s security model).' })
  scopes: string[];

  @Field({ description: 'Set from the ADMIN_TOKEN environment variable: rotate it there.' })
  fromEnvironment: boolean;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'To the minute.' })
  lastUsedAt: Date | null;

  @Field()
  createdAt: Date;
}

@ObjectType({ simpleResolvers: true })
export class ApiTokenEdge extends EdgeType(ApiToken) {}

@ObjectType({ simpleResolvers: true })
export class ApiTokenConnection extends ConnectionType(ApiTokenEdge) {}

@ObjectType({ simpleResolvers: true })
export class CreateApiTokenPayload {
  @Field(() => ApiToken)
  apiToken: ApiToken;

  @Field({ description: 'The secret: send it as `Authorization: Bearer <token>`. Shown this once; store it now.' })
  token: string;
}

@ObjectType({ simpleResolvers: true })
export class RevokeApiTokenPayload {
  @Field(() => ApiToken)
  apiToken: ApiToken;

  @Field(() => [ApiToken], {
    description: 'The tokens it had created, directly or through tokens it created, revoked with it now (those revoked before are not listed).',
  })
  revokedDescendants: ApiToken[];
}
