import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';

@ObjectType({ implements: Node, simpleResolvers: true, description: 'An API token; its secret is shown once, when it is created, and never stored.' })
export class ApiToken extends Node {
  @Field({ description: 'What the token is for, as its creator named it; also the `actor.name` of the events it causes.' })
  name: string;

  @Field(() => [String], { description: 'What it may do (see the README’s security model).' })
  scopes: string[];

  @Field({ description: 'Set from the ADMIN_TOKEN environment variable: rotate it there.' })
  fromEnvironment: boolean;

  @Field(() => Date, { nullable: true, description: 'When it stops working; null: never.' })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked (it, or a token that created it); null while it is not.' })
  revokedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'To the minute.' })
  lastUsedAt: Date | null;

  @Field({ description: 'When it was created.' })
  createdAt: Date;
}

@ObjectType({ simpleResolvers: true, description: 'A token in a page of API tokens, with its cursor.' })
export class ApiTokenEdge extends EdgeType(ApiToken) {}

@ObjectType({ simpleResolvers: true, description: 'A page of API tokens.' })
export class ApiTokenConnection extends ConnectionType(ApiTokenEdge) {}

@ObjectType({ simpleResolvers: true, description: 'The new token and, this once, its secret.' })
export class CreateApiTokenPayload {
  @Field(() => ApiToken, { description: 'The new token, as apiTokens lists it.' })
  apiToken: ApiToken;

  @Field({ description: 'The secret: send it as `Authorization: Bearer <token>`. Shown this once; store it now.' })
  token: string;
}

@ObjectType({ simpleResolvers: true, description: 'What revokeApiToken revoked.' })
export class RevokeApiTokenPayload {
  @Field(() => ApiToken, { description: 'The token, revoked now (`revokedAt` set).' })
  apiToken: ApiToken;

  @Field(() => [ApiToken], {
    description: 'The tokens it had created, directly or through tokens it created, revoked with it now (those revoked before are not listed).',
  })
  revokedDescendants: ApiToken[];
}

@ObjectType({ simpleResolvers: true, description: 'The token a request is made with and what it may do: for a client to offer only what the token may use.' })
export class Viewer {
  @Field(() => ID, { description: 'The token’s global ID (an ApiToken’s), as `actor.id` of the events it causes.' })
  id: string;

  @Field({ description: 'The token’s name, as `actor.name` of the events it causes.' })
  name: string;

  @Field(() => [String], { description: 'The scopes it was given.' })
  scopes: string[];

  @Field(() => [String], {
    description: 'Every scope it satisfies: its own, the reads its writes include, and what `scim` includes. A client offers an action when the scope the action needs is here.',
  })
  effectiveScopes: string[];

  @Field(() => ID, { nullable: true, description: 'The realm it is bound to; null: all realms.' })
  realmId: string | null;
}
