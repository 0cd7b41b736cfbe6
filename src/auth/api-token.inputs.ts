import { Field, ID, InputType } from 'type-graphql';
import { scopes } from './scopes';

@InputType({ description: 'A new API token: its name, reach and lifetime.' })
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for, 1–100 characters (e.g. "CI provisioning").' })
  name: string;

  @Field(() => ID, { nullable: true, description: 'The realm it is bound to; omitted: all realms (only an all-realms token may create one).' })
  realmId?: string | null;

  // The list from the one place scopes are declared: it went stale when `scim` and the webhook scopes came.
  @Field(() => [String], { description: `Scopes from: ${scopes.join(', ')}. At most those of the token creating it.` })
  scopes: string[];

  @Field(() => Date, {
    nullable: true,
    description: "When it stops working: no later than the creating token's expiry. Omitted: that expiry (never, if the creating token has none).",
  })
  expiresAt?: Date | null;
}

@InputType({ description: 'The token to revoke.' })
export class RevokeApiTokenInput {
  @Field(() => ID, { description: 'A token the caller manages (tokens:write, in its realm for a realm-bound caller).' })
  id: string;
}
