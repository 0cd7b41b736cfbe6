import { randomUUID } from 'node:crypto';
import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, invalidInput, notFound, versionConflict, type InputPath } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { orderings, pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import * as validate from '../common/validate';
import type { Tx } from '../db/transaction';
import type { Writes } from '../db/writes';
import { describeChanges, identitySnapshot } from '../events/changes';
import { appendEvents, writeWithEvents } from '../events/event-log';
import { differing, nothingChanges } from '../db/update-set';
import type { RealmRow } from '../realm/realm.repository';
import type { RealmService } from '../realm/realm.service';
import { endMembershipsOfIdentity } from '../membership/membership.writes';
import { wholeList, type ListProjection } from '../common/projection';
import type { Context } from '../common/context';
import { refuseTakenKeys } from './claimed-keys';
import { transition, type StatusChange } from './identity-lifecycle';
import type { NewEvent } from '../events/event-types';
import type { IdentityRole } from '../common/enums';
import {
  activateInvitedIdentity,
  createInvitedIdentity,
  identityWithEmail,
  lockInvitedAddress,
  type InvitedIdentityValues,
} from './invited-identity';
import {
  IdentityOrderField,
  type CreateIdentityInput,
  type DeleteIdentityInput,
  type IdentityFilter,
  type IdentityOrder,
  type MemberFilter,
  type UpdateIdentityInput,
} from './identity.inputs';
import {
  deleteIdentity,
  insertIdentity,
  insertIdentitiesUnlessTaken,
  lockIdentity,
  lockIdentityForDeletion,
  updateIdentity,
  type IdentityChanges,
  type IdentityColumn,
  type IdentityFilterValues,
  type IdentityListRow,
  type IdentityRow,
  type NewIdentity,
} from './identity.repository';
import { identityLoaders } from './identity.loaders';
import { filterableProfileFields, profileAttributes, profileFields, profileMaxLength, type Profile } from './identity-profile';

export const identityOrdering = orderings<IdentityOrderField>(
  'identity',
  {
    CREATED_AT: { sql: 'i.created_at', type: 'timestamptz' },
    DISPLAY_NAME: { sql: 'lower(i.display_name) COLLATE "C"', type: 'text' },
    USERNAME: { sql: 'lower(i.username) COLLATE "C"', type: 'text' },
    PRIMARY_EMAIL: { sql: 'lower(i.primary_email) COLLATE "C"', type: 'text' },
  },
  { sql: 'i.id', type: 'uuid' },
  IdentityOrderField.CREATED_AT,
);

/**
 * Checks a member filter's values; a search is trimmed, and empty means none. Its white space
 * becomes single spaces, as names are typed, and so never holds the line break that separates the
 * searched fields (identity.columns.ts).
 */
export function memberFilterValues(filter: MemberFilter | null | undefined, path: InputPath): IdentityFilterValues | undefined {
  if (!filter) return undefined;
  const search = filter.search?.trim().replace(/\s+/g, ' ') || null;
  if (search && search.length > 254) throw invalidInput([...path, 'search'], 'The search text is at most 254 characters.');
  if (search) validate.refuseUnstorable(search, [...path, 'search'], 'The search text');
  const values: IdentityFilterValues = { search, status: filter.status ?? null, role: filter.role ?? null, source: filter.source ?? null };
  for (const field of filterableProfileFields) {
    const value = filter[field];
    if (value == null) continue;
    values[field] = validate.requiredText(value, [...path, field], profileAttributes[field].label, profileMaxLength);
  }
  return values;
}

/** The profile attributes an input gives, checked; absent ones undefined (unchanged), null cleared. */
export function profileValues(input: Partial<Profile>, path: InputPath): Partial<Profile> {
  const values: Partial<Profile> = {};
  for (const field of profileFields) {
    const value = validate.optionalText(input[field], [...path, field], profileAttributes[field].label, profileMaxLength);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

type IdentityEdge = { cursor: string; node: IdentityListRow };

/**
 * What an identity provider sets on an identity (SCIM, docs/decisions.md 102): the fields of
 * createIdentity and updateIdentity, whether it is active (ACTIVE, or SUSPENDED), and its external
 * ID, which makes it an IDP identity (linking one made by hand). Checked by the same rules; on a
 * change, undefined leaves a field as it is and null clears it.
 */
export interface ProvisionedIdentity extends Partial<Profile> {
  displayName?: string;
  username?: string;
  primaryEmail?: string;
  fullName?: string | null;
  phoneNumber?: string | null;
  role?: IdentityRole;
  active?: boolean;
  externalId?: string | null;
}

/** The checked changes of a ProvisionedIdentity (the status is the transaction's to decide). */
function provisionedChanges(wanted: ProvisionedIdentity): IdentityChanges {
  const path = ['input'];
  return {
    displayName: wanted.displayName === undefined ? undefined : validate.requiredText(wanted.displayName, [...path, 'displayName'], 'The display name', 64),
    username: wanted.username === undefined ? undefined : validate.username(wanted.username, [...path, 'username']),
    primaryEmail: wanted.primaryEmail === undefined ? undefined : validate.email(wanted.primaryEmail, [...path, 'primaryEmail']),
    fullName: validate.optionalText(wanted.fullName, [...path, 'fullName'], 'The full name', 256),
    phoneNumber: validate.phoneNumber(wanted.phoneNumber, [...path, 'phoneNumber']),
    role: wanted.role,
    externalId: validate.optionalText(wanted.externalId, [...path, 'externalId'], 'The external ID', 256),
    ...profileValues(wanted, path),
  };
}

/** A run of creates met a taken key: its transaction rolls back (provisionCreateAll). */
class KeyTakenInRun extends Error {}

export class IdentityService {
  constructor(
    private readonly writes: Writes,
    private readonly realms: RealmService,
  ) {}

  get(ctx: Context, uuid: string): Promise<IdentityRow | null> {
    return ctx.loaders.of(identityLoaders).byUuid.load(uuid);
  }

  async listInRealm(
    ctx: Context,
    realm: RealmRow,
    args: PageArgs & { filter?: IdentityFilter | null; orderBy?: IdentityOrder | null },
    projection: ListProjection<IdentityColumn> = wholeList,
  ): Promise<ConnectionData<IdentityEdge>> {
    const ordering = identityOrdering(args.orderBy);
    const request = pageRequest(args, ordering, ctx.limits);
    const filter = memberFilterValues(args.filter, ['filter']);
    if (args.filter?.groupId != null) {
      const groupUuid = expectGlobalId(args.filter.groupId, 'Group', ['filter', 'groupId']);
      Object.assign(filter!, { groupUuid });
    }
    const rows = await ctx.loaders.of(identityLoaders).ofRealm.page(realm.uuid, filter, ordering, request, projection);
    return {
      ...toPage(rows, ordering, request, PageEdge),
      totalCount: () => ctx.loaders.of(identityLoaders).ofRealm.count(realm.uuid, filter),
    };
  }

  async create(ctx: Context, input: CreateIdentityInput): Promise<IdentityRow> {
    const realmUuid = expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    ctx.caller.needIn('identities:write', realmUuid, ['input', 'realmId']);
    const source = input.source;
    const externalId = validate.optionalText(input.externalId, ['input', 'externalId'], 'The external ID', 256) ?? null;
    if (source === 'IDP' && externalId === null) {
      throw invalidInput(['input', 'externalId'], 'An identity from an identity provider (source IDP) needs its `externalId`.');
    }
    if (source === 'MANUAL' && externalId !== null) {
      throw invalidInput(['input', 'externalId'], 'Only identities from an identity provider (source IDP) have an `externalId`.');
    }
    const values = {
      realmUuid,
      displayName: validate.requiredText(input.displayName, ['input', 'displayName'], 'The display name', 64),
      username: validate.username(input.username, ['input', 'username']),
      primaryEmail: validate.email(input.primaryEmail, ['input', 'primaryEmail']),
      fullName: validate.optionalText(input.fullName, ['input', 'fullName'], 'The full name', 256) ?? null,
      phoneNumber: validate.phoneNumber(input.phoneNumber, ['input', 'phoneNumber']) ?? null,
      role: input.role,
      status: 'ACTIVE' as const,
      source,
      externalId,
      ...profileValues(input, ['input']),
    };
    // The realm is not locked: its row is the event counter, taken last (docs/decisions.md 63). One
    // deleted meanwhile fails the identity's foreign key, which says NOT_FOUND too.
    if (!(await this.realms.get(ctx, realmUuid))) throw notFound('realm', ['input', 'realmId'], input.realmId);
    return this.writes.run(ctx, async (tx) => {
      await refuseTakenKeys(tx, realmUuid, source, values);
      const created = await insertIdentity(tx, values);
      await appendEvents(tx, realmUuid, [{ type: 'identity.created', identityUuid: created.uuid, data: { identity: identitySnapshot(created) } }]);
      return created;
    });
  }

  /**
   * A new identity from the identity provider: source IDP, ACTIVE or (`active: false`) SUSPENDED,
   * with or without an external ID. A username or email another identity holds is refused
   * (DUPLICATE_*), a hand-made one's included: the provider then finds it and links it (`provision`).
   */
  async provisionCreate(ctx: Context, realmUuid: string, wanted: ProvisionedIdentity): Promise<IdentityRow> {
    const values = this.checkProvisioned(ctx, realmUuid, wanted);
    return this.writes.run(ctx, async (tx) => {
      await refuseTakenKeys(tx, realmUuid, 'IDP', values);
      const created = await insertIdentity(tx, values);
      await appendEvents(tx, realmUuid, [{ type: 'identity.created', identityUuid: created.uuid, data: { identity: identitySnapshot(created) } }]);
      return created;
    });
  }

  /**
   * provisionCreate in one statement, the event appended by it (a SCIM import's round trip per user,
   * bench W9): the identity, or undefined — nothing written — when a key it claims is taken. The
   * caller then takes provisionCreate's checked path, which says which key (or finds it free again):
   * the same answers, the common case one statement instead of seven.
   */
  async provisionCreateIfFree(ctx: Context, realmUuid: string, wanted: ProvisionedIdentity): Promise<IdentityRow | undefined> {
    const values = this.checkProvisioned(ctx, realmUuid, wanted);
    const uuid = randomUUID();
    return this.writes.statement(ctx, async (tx) => {
      const [created] = await writeWithEvents<IdentityRow>(tx, insertIdentitiesUnlessTaken(realmUuid, [{ uuid, values }]), realmUuid, [
        { type: 'identity.created', identityUuid: uuid, data: { identity: identitySnapshot(values) } },
      ]);
      return created;
    });
  }

  /**
   * New identities from the identity provider, checked (checkProvisioned), all in one transaction and
   * one statement, their IDENTITY_CREATED events in their order: a run of a SCIM Bulk request's
   * creates. All or none: undefined, and nothing written, when a key one of them claims is taken
   * (another identity's, or an earlier one's of the run) — the caller then creates them one by one,
   * each with its own answer.
   */
  async provisionCreateAll(ctx: Context, realmUuid: string, checked: readonly NewIdentity[]): Promise<IdentityRow[] | undefined> {
    for (const values of checked) ctx.caller.needIn('identities:write', values.realmUuid, ['input', 'realmId']);
    const rows = checked.map((values) => ({ uuid: randomUUID(), values }));
    try {
      return await this.writes.run(ctx, async (tx) => {
        const created = await writeWithEvents<IdentityRow>(
          tx,
          insertIdentitiesUnlessTaken(realmUuid, rows),
          realmUuid,
          rows.map(({ uuid, values }) => ({ type: 'identity.created', identityUuid: uuid, data: { identity: identitySnapshot(values) } })),
        );
        if (created.length < rows.length) throw new KeyTakenInRun();
        const byUuid = new Map(created.map((row) => [row.uuid, row]));
        return rows.map(({ uuid }) => byUuid.get(uuid)!);
      });
    } catch (error) {
      if (error instanceof KeyTakenInRun) return undefined;
      throw error;
    }
  }

  /** The checked values of a new identity from the identity provider, once the caller may write it. */
  checkProvisioned(ctx: Context, realmUuid: string, wanted: ProvisionedIdentity): NewIdentity {
    ctx.caller.needIn('identities:write', realmUuid, ['input', 'realmId']);
    const changes = provisionedChanges(wanted);
    if (changes.username === undefined) throw invalidInput(['input', 'username'], 'A user needs a username.');
    if (changes.primaryEmail === undefined) throw invalidInput(['input', 'primaryEmail'], 'A user needs an email address.');
    if (changes.displayName === undefined) throw invalidInput(['input', 'displayName'], 'A user needs a display name.');
    return {
      ...changes,
      realmUuid,
      displayName: changes.displayName,
      username: changes.username,
      primaryEmail: changes.primaryEmail,
      fullName: changes.fullName ?? null,
      phoneNumber: changes.phoneNumber ?? null,
      role: changes.role ?? ('GRANTEE' as const),
      status: wanted.active === false ? ('SUSPENDED' as const) : ('ACTIVE' as const),
      source: 'IDP' as const,
      externalId: changes.externalId ?? null,
    };
  }

  /**
   * The identity provider's change of an identity, decided from the identity as it is, locked
   * (`decide`: SCIM's PATCH applies its operations to it), checked against `expected` (If-Match),
   * and made with its status change in one transaction and one event. An external ID makes a
   * MANUAL identity an IDP one: the link of a hand-made identity the provider matched.
   */
  async provision(ctx: Context, uuid: string, expected: number | undefined, decide: (current: IdentityRow) => ProvisionedIdentity): Promise<IdentityRow> {
    return this.change(ctx, uuid, expected, async (tx, current) => {
      const wanted = decide(current);
      const changes = provisionedChanges(wanted);
      if (changes.externalId != null && current.source === 'MANUAL') changes.source = 'IDP';
      if (wanted.active !== undefined && wanted.active !== (current.status === 'ACTIVE')) {
        const next = transition(current.status, wanted.active ? 'REACTIVATE' : 'SUSPEND');
        if (!next.allowed) throw new AppError(ErrorCode.INVALID_STATUS_TRANSITION, next.reason, ['input', 'active'], { status: current.status });
        changes.status = next.to;
      }
      const claims = differing(current, { username: changes.username, primaryEmail: changes.primaryEmail, externalId: changes.externalId });
      if (!nothingChanges(claims)) await refuseTakenKeys(tx, current.realmUuid, 'IDP', claims, uuid);
      return changes;
    });
  }

  async update(ctx: Context, input: UpdateIdentityInput): Promise<IdentityRow> {
    const uuid = expectGlobalId(input.id, 'Identity', ['input', 'id']);
    const expected = validate.version(input.version, ['input', 'version']);
    const changes: IdentityChanges = {
      displayName: input.displayName == null ? undefined : validate.requiredText(input.displayName, ['input', 'displayName'], 'The display name', 64),
      username: input.username == null ? undefined : validate.username(input.username, ['input', 'username']),
      primaryEmail: input.primaryEmail == null ? undefined : validate.email(input.primaryEmail, ['input', 'primaryEmail']),
      fullName: validate.optionalText(input.fullName, ['input', 'fullName'], 'The full name', 256),
      phoneNumber: validate.phoneNumber(input.phoneNumber, ['input', 'phoneNumber']),
      role: input.role ?? undefined,
      ...profileValues(input, ['input']),
    };
    return this.change(ctx, uuid, expected, async (tx, current) => {
      if (changes.username !== undefined || changes.primaryEmail !== undefined) {
        await refuseTakenKeys(tx, current.realmUuid, current.source, changes, uuid);
      }
      return changes;
    });
  }

  changeStatus(ctx: Context, input: { id: string; version?: number | null }, change: StatusChange): Promise<IdentityRow> {
    const uuid = expectGlobalId(input.id, 'Identity', ['input', 'id']);
    const expected = validate.version(input.version, ['input', 'version']);
    return this.change(ctx, uuid, expected, async (_tx, current) => {
      const next = transition(current.status, change);
      if (!next.allowed) {
        throw new AppError(ErrorCode.INVALID_STATUS_TRANSITION, next.reason, ['input', 'id'], { status: current.status });
      }
      return { status: next.to };
    });
  }

  /** `expected`: the version the caller last read (SCIM's If-Match); a stale one is refused. */
  async delete(ctx: Context, input: DeleteIdentityInput, expected?: number): Promise<string> {
    const uuid = expectGlobalId(input.id, 'Identity', ['input', 'id']);
    const identity = await this.writes.run(ctx, async (tx) => {
      const current = await lockIdentityForDeletion(tx, uuid);
      if (!current) throw notFound('identity', ['input', 'id'], input.id);
      ctx.caller.mustReach(current.realmUuid, 'identity', ['input', 'id'], input.id);
      if (expected !== undefined && expected !== current.version) throw versionConflict('identity', ['input', 'version'], expected, current.version);
      if (current.status === 'INVITED') {
        // Its invitation owns it: revoking that deletes it, and ends the invitation with it.
        throw new AppError(
          ErrorCode.INVALID_STATUS_TRANSITION,
          'This identity was invited and has not accepted yet: revoke its invitation (revokeInvitation), which deletes it.',
          ['input', 'id'],
          { status: current.status },
        );
      }
      await appendEvents(tx, current.realmUuid, await this.erase(tx, current));
      return current;
    });
    return identity.id;
  }

  /**
   * Locks the keys an invitation of this address will claim for its identity (lockInvitedAddress),
   * before the invitation checks that no identity holds them.
   */
  lockAddress(tx: Tx, realmUuid: string, email: string): Promise<void> {
    return lockInvitedAddress(tx, realmUuid, email);
  }

  /** An INVITED identity for a new invitation, in the invitation's transaction. */
  createInvited(tx: Tx, values: InvitedIdentityValues) {
    return createInvitedIdentity(tx, values);
  }

  /** An accepted invitation's identity becomes ACTIVE with the names its owner chose. */
  activateInvited(tx: Tx, uuid: string, names: { displayName: string; username: string }) {
    return activateInvitedIdentity(tx, uuid, names);
  }

  /**
   * A revoked invitation's identity goes, if it is still INVITED, in the invitation's transaction
   * (whose row the caller has locked: invitations come before identities in the lock order).
   * Returns the events to append; none when there was nothing to delete.
   */
  async deleteInvited(tx: Tx, uuid: string): Promise<NewEvent[]> {
    const current = await lockIdentityForDeletion(tx, uuid);
    if (!current || current.status !== 'INVITED') return [];
    return this.erase(tx, current);
  }

  /**
   * Deletes an identity the caller holds FOR UPDATE, with its memberships: the one cascade of the
   * deletions (deleteIdentity, a revoked invitation's, a duplicate merged by linkIdentities).
   * Returns its events — one MEMBERSHIP_REMOVED for each membership it ended, then
   * IDENTITY_DELETED — for the caller to append last.
   */
  async erase(tx: Tx, current: IdentityRow): Promise<NewEvent[]> {
    const removals = await endMembershipsOfIdentity(tx, current.uuid);
    await deleteIdentity(tx, current.uuid);
    return [...removals, { type: 'identity.deleted', identityUuid: current.uuid, data: { identity: identitySnapshot(current) } }];
  }

  /** The realm's identity with this email (case-insensitive), if any. */
  findByEmail(tx: Tx, realmUuid: string, email: string) {
    return identityWithEmail(tx, realmUuid, email);
  }

  /** Locks the identity, checks the version the client sent, and applies what `decide` returns. */
  private async change(
    ctx: Context,
    uuid: string,
    expected: number | undefined,
    decide: (tx: Tx, current: IdentityRow) => Promise<IdentityChanges>,
  ): Promise<IdentityRow> {
    return this.writes.run(ctx, async (tx) => {
      const current = await lockIdentity(tx, uuid);
      if (!current) throw notFound('identity', ['input', 'id']);
      ctx.caller.mustReach(current.realmUuid, 'identity', ['input', 'id']);
      if (expected !== undefined && expected !== current.version) {
        throw versionConflict('identity', ['input', 'version'], expected, current.version);
      }
      const changes = differing(current, await decide(tx, current));
      if (nothingChanges(changes)) return current;
      const updated = await updateIdentity(tx, uuid, changes);
      const described = describeChanges(current, changes);
      await appendEvents(tx, current.realmUuid, [
        Object.keys(changes).length === 1 && changes.status !== undefined
          ? { type: 'identity.status_changed', identityUuid: uuid, data: { changes: { status: { before: current.status, after: changes.status } } } }
          : { type: 'identity.updated', identityUuid: uuid, data: { changes: described } },
      ]);
      return updated;
    });
  }

  /**
   * Usernames and emails are unique per realm. A manual identity that would repeat an IdP
   * identity's is the duplicate that identity products warn about: it gets its own code.
   */

}
