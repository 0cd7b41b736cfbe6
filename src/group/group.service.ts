import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, invalidInput, notFound, versionConflict, type InputPath } from '../common/errors';
import { expectGlobalId, parseGlobalId } from '../common/global-id';
import { orderings, pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import * as validate from '../common/validate';
import type { Tx } from '../db/transaction';
import type { Writes } from '../db/writes';
import { describeChanges } from '../events/changes';
import { appendEvents } from '../events/event-log';
import type { NewEvent } from '../events/event-types';
import { differing, nothingChanges } from '../db/update-set';
import type { RealmRow } from '../realm/realm.repository';
import type { RealmService } from '../realm/realm.service';
import {
  addLocked,
  childGroupsOfLockedGroup,
  endMembershipsOfGroup,
  endNestingsOfGroup,
  lockGroupWithParents,
  lockGroupsToNest,
  nestLocked,
  unnestLocked,
  lockIdentitiesToAdd,
  membersOfLockedGroup,
  removeLocked,
  identityUuidsOf,
  groupUuidsOf,
} from '../membership/membership.writes';
import { wholeList, type ListProjection } from '../common/projection';
import type { Context } from '../common/context';
import { GroupOrderField, type CreateGroupInput, type DeleteGroupInput, type GroupFilter, type GroupOrder, type UpdateGroupInput } from './group.inputs';
import {
  deleteGroup,
  groupExternalIdTaken,
  groupNameTaken,
  insertGroup,
  lockGroup,
  lockGroupAfter,
  type LocksBefore,
  readGroup,
  updateGroup,
  type GroupColumn,
  type GroupFilterValues,
  type GroupListRow,
  type GroupRow,
} from './group.repository';
import { groupLoaders } from './group.loaders';
import { groupRevision } from './group.columns';

export const groupOrdering = orderings<GroupOrderField>(
  'group',
  {
    NAME: { sql: 'lower(g.name) COLLATE "C"', type: 'text' },
    CREATED_AT: { sql: 'g.created_at', type: 'timestamptz' },
  },
  { sql: 'g.id', type: 'uuid' },
  GroupOrderField.NAME,
);

/**
 * What an identity provider sets on a group (SCIM, docs/decisions.md 102): its name and external
 * ID, and its members as IDs — the whole list (`members`), or what to add and remove. A member
 * ID that is a Group's is a nested group (decision 104); any other, an identity.
 * On a change, undefined leaves a part as it is.
 */
export interface ProvisionedGroup {
  name?: string;
  externalId?: string | null;
  /** The whole member list; `add` and `remove` then apply to it. */
  members?: readonly string[];
  add?: readonly string[];
  remove?: readonly string[];
}

/** Member IDs split by what they name: a Group's global ID is a group to nest; anything else is taken as an identity's (and refused there when it is not). */
function splitMembers(ids: readonly string[]): { identities: string[]; groups: string[] } {
  const identities: string[] = [];
  const groups: string[] = [];
  for (const id of ids) (parseGlobalId(id)?.type === 'Group' ? groups : identities).push(id);
  return { identities, groups };
}

const groupName = (value: string, path: InputPath) => validate.requiredText(value, path, 'The group name', 64);
const groupDescription = <T extends string | null | undefined>(value: T, path: InputPath) =>
  validate.optionalText(value, path, 'The description', 300);

export class GroupService {
  constructor(
    private readonly writes: Writes,
    private readonly realms: RealmService,
  ) {}

  get(ctx: Context, uuid: string): Promise<GroupRow | null> {
    return ctx.loaders.of(groupLoaders).byUuid.load(uuid);
  }

  async listInRealm(
    ctx: Context,
    realm: RealmRow,
    args: PageArgs & { filter?: GroupFilter | null; orderBy?: GroupOrder | null },
    projection: ListProjection<GroupColumn> = wholeList,
  ): Promise<ConnectionData<{ cursor: string; node: GroupListRow }>> {
    const ordering = groupOrdering(args.orderBy);
    const request = pageRequest(args, ordering, ctx.limits);
    const search = args.filter?.search?.trim() || null;
    if (search && search.length > 64) throw invalidInput(['filter', 'search'], 'The search text is at most 64 characters.');
    if (search) validate.refuseUnstorable(search, ['filter', 'search'], 'The search text');
    const filter: GroupFilterValues | undefined = search ? { search } : undefined;
    const rows = await ctx.loaders.of(groupLoaders).ofRealm.page(realm.uuid, filter, ordering, request, projection);
    return {
      ...toPage(rows, ordering, request, PageEdge),
      totalCount: () => ctx.loaders.of(groupLoaders).ofRealm.count(realm.uuid, filter),
    };
  }

  async create(ctx: Context, input: CreateGroupInput): Promise<GroupRow> {
    const realmUuid = expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    ctx.caller.needIn('groups:write', realmUuid, ['input', 'realmId']);
    const values = {
      realmUuid,
      name: groupName(input.name, ['input', 'name']),
      description: groupDescription(input.description, ['input', 'description']) ?? null,
    };
    const memberIds = input.memberIds ?? [];
    if (memberIds.length > 0) validate.idBatch(memberIds, ['input', 'memberIds']);
    // The realm is not locked: its row is the event counter, taken last (docs/decisions.md 63). One
    // deleted meanwhile fails the group's foreign key, which says NOT_FOUND too.
    if (!(await this.realms.get(ctx, realmUuid))) throw notFound('realm', ['input', 'realmId'], input.realmId);
    return this.writes.run(ctx, async (tx) => {
      const members = memberIds.length > 0 ? await lockIdentitiesToAdd(tx, memberIds, ['input', 'memberIds']) : undefined;
      await this.refuseTakenName(tx, realmUuid, values.name);
      const created = await insertGroup(tx, values);
      const events: NewEvent[] = [
        { type: 'group.created', groupUuid: created.uuid, data: { group: { name: created.name, description: created.description } } },
      ];
      if (members) events.push(...(await addLocked(ctx.caller, tx, created, members)).events);
      await appendEvents(tx, realmUuid, events);
      return members ? readGroup(tx, created.uuid) : created;
    });
  }

  async update(ctx: Context, input: UpdateGroupInput): Promise<GroupRow> {
    const uuid = expectGlobalId(input.id, 'Group', ['input', 'id']);
    const expected = validate.version(input.version, ['input', 'version']);
    const changes = {
      name: input.name == null ? undefined : groupName(input.name, ['input', 'name']),
      description: groupDescription(input.description, ['input', 'description']),
    };
    return this.writes.run(ctx, async (tx) => {
      const current = await this.lockReachable(ctx, tx, uuid, ['input', 'id']);
      if (expected !== undefined && expected !== current.version) {
        throw versionConflict('group', ['input', 'version'], expected, current.version);
      }
      const changed = differing(current, changes);
      if (changed.name !== undefined) await this.refuseTakenName(tx, current.realmUuid, changed.name, uuid);
      if (nothingChanges(changed)) return current;
      const updated = await updateGroup(tx, uuid, changed);
      await appendEvents(tx, current.realmUuid, [{ type: 'group.updated', groupUuid: uuid, data: { changes: describeChanges(current, changed) } }]);
      return updated;
    });
  }

  /** A new group from the identity provider, with its members, in one transaction. */
  async provisionCreate(ctx: Context, realmUuid: string, wanted: ProvisionedGroup): Promise<GroupRow> {
    ctx.caller.needIn('groups:write', realmUuid, ['input', 'realmId']);
    if (wanted.name === undefined) throw invalidInput(['input', 'name'], 'A group needs a name.');
    const name = groupName(wanted.name, ['input', 'name']);
    const externalId = validate.optionalText(wanted.externalId, ['input', 'externalId'], 'The external ID', 256) ?? null;
    const memberIds = [...new Set([...(wanted.members ?? []), ...(wanted.add ?? [])])].filter((id) => !(wanted.remove ?? []).includes(id));
    const { identities: identityIds, groups: groupIds } = splitMembers(memberIds);
    return this.writes.run(ctx, async (tx) => {
      const members = identityIds.length > 0 ? await lockIdentitiesToAdd(tx, identityIds, ['input', 'members']) : undefined;
      // The groups to nest, locked in id order; the new group's row is new, and no other write can lock it.
      const children = groupIds.length > 0 ? await lockGroupsToNest(tx, undefined, groupIds, ['input', 'members']) : undefined;
      await this.refuseTakenName(tx, realmUuid, name);
      if (externalId !== null) await this.refuseTakenExternalId(tx, realmUuid, externalId);
      const created = await insertGroup(tx, { realmUuid, name, description: null, externalId });
      const events: NewEvent[] = [{ type: 'group.created', groupUuid: created.uuid, data: { group: { name: created.name, description: null } } }];
      if (members) events.push(...(await addLocked(ctx.caller, tx, created, members)).events);
      if (children) events.push(...(await nestLocked(ctx.caller, tx, created, children)).events);
      await appendEvents(tx, realmUuid, events);
      return members ? readGroup(tx, created.uuid) : created;
    });
  }

  /**
   * The identity provider's change of a group: name, external ID and members in one transaction,
   * checked against `expected` (If-Match: the group's revision, which members count in), all or nothing. The identities to add are locked before
   * the group (docs/decisions.md 63); a whole member list removes those not in it.
   */
  async provision(ctx: Context, uuid: string, expected: number | undefined, wanted: ProvisionedGroup): Promise<GroupRow> {
    const name = wanted.name === undefined ? undefined : groupName(wanted.name, ['input', 'name']);
    const externalId = validate.optionalText(wanted.externalId, ['input', 'externalId'], 'The external ID', 256);
    const removing = splitMembers(wanted.remove ?? []);
    const remove = new Set(identityUuidsOf(removing.identities, ['input', 'remove']));
    const unnest = new Set(groupUuidsOf(removing.groups, ['input', 'remove']));
    const toAdd = splitMembers([...new Set([...(wanted.members ?? []), ...(wanted.add ?? [])])]);
    const toAddUuids = identityUuidsOf(toAdd.identities, ['input', 'members']);
    const adding = toAdd.identities.filter((_, index) => !remove.has(toAddUuids[index]));
    const toNestUuids = groupUuidsOf(toAdd.groups, ['input', 'members']);
    const nesting = toAdd.groups.filter((_, index) => !unnest.has(toNestUuids[index]));
    return this.writes.run(ctx, async (tx) => {
      const members = adding.length > 0 ? await lockIdentitiesToAdd(tx, adding, ['input', 'members']) : undefined;
      const children = nesting.length > 0 ? await lockGroupsToNest(tx, uuid, nesting, ['input', 'members']) : undefined;
      const current = await this.lockReachable(ctx, tx, uuid, ['input', 'id']);
      if (expected !== undefined && expected !== groupRevision(current)) throw versionConflict('group', ['input', 'version'], expected, groupRevision(current));
      const events: NewEvent[] = [];
      const changed = differing(current, { name, externalId });
      if (changed.name !== undefined) await this.refuseTakenName(tx, current.realmUuid, changed.name, uuid);
      if (changed.externalId != null) await this.refuseTakenExternalId(tx, current.realmUuid, changed.externalId, uuid);
      if (!nothingChanges(changed)) {
        await updateGroup(tx, uuid, changed);
        events.push({ type: 'group.updated', groupUuid: uuid, data: { changes: describeChanges(current, changed) } });
      }
      if (wanted.members !== undefined) {
        const kept = new Set(members?.uuids ?? []);
        for (const member of await membersOfLockedGroup(tx, uuid)) if (!kept.has(member)) remove.add(member);
        const keptGroups = new Set(children?.uuids ?? []);
        for (const child of await childGroupsOfLockedGroup(tx, uuid)) if (!keptGroups.has(child)) unnest.add(child);
      }
      if (remove.size > 0) events.push(...(await removeLocked(tx, current, [...remove])).events);
      if (unnest.size > 0) events.push(...(await unnestLocked(tx, current, [...unnest])).events);
      if (members) events.push(...(await addLocked(ctx.caller, tx, current, members)).events);
      if (children) events.push(...(await nestLocked(ctx.caller, tx, current, children)).events);
      if (events.length === 0) return current;
      await appendEvents(tx, current.realmUuid, events);
      return readGroup(tx, uuid);
    });
  }

  /**
   * Deletes the group, its nestings (a GROUP_UNNESTED each) and its memberships, logged as one GROUP_DELETED whose `memberCount` says how
   * many memberships it ended — not one MEMBERSHIP_REMOVED per member, which made a group of 200 000
   * a 200 001-event transaction that held the realm's log for seconds (docs/decisions.md 64) —
   * unless the group sits in a tree: then a MEMBERSHIP_REMOVED each (endMembershipsOfGroup, decision 107).
   */
  async delete(ctx: Context, input: DeleteGroupInput, expectedRevision?: number): Promise<string> {
    const uuid = expectGlobalId(input.id, 'Group', ['input', 'id']);
    const group = await this.writes.run(ctx, async (tx) => {
      // With its parents, whose members' version its deletion moves (decision 107).
      await lockGroupWithParents(tx, uuid);
      const current = await this.lockReachable(ctx, tx, uuid, ['input', 'id']);
      if (expectedRevision !== undefined && expectedRevision !== groupRevision(current)) {
        throw versionConflict('group', ['input', 'version'], expectedRevision, groupRevision(current));
      }
      const memberships = await endMembershipsOfGroup(tx, current);
      // Its nestings, both ways, each with its GROUP_UNNESTED: a group is nested in and holds few
      // groups, and a consumer that keeps the tree must hear which links went (decision 104).
      const unnested = await endNestingsOfGroup(tx, uuid);
      await deleteGroup(tx, uuid);
      await appendEvents(tx, current.realmUuid, [
        ...memberships.events,
        ...unnested,
        { type: 'group.deleted', groupUuid: uuid, data: { group: { name: current.name }, memberCount: memberships.atOnce } },
      ]);
      return current;
    });
    return group.id;
  }

  /** The group a mutation acts on, locked until its transaction ends; NOT_FOUND when there is none. */
  async lockForChange(tx: Tx, uuid: string, path: InputPath): Promise<GroupRow> {
    const group = await lockGroup(tx, uuid);
    if (!group) throw notFound('group', path);
    return group;
  }

  /** lockForChange, of a group the caller reaches (another realm's is not found). */
  async lockReachable(ctx: Context, tx: Tx, uuid: string, path: InputPath): Promise<GroupRow> {
    const group = await this.lockForChange(tx, uuid, path);
    ctx.caller.mustReach(group.realmUuid, 'group', path);
    return group;
  }

  /** lockReachable after the locks `before` takes, in the same statement (lockGroupAfter); returns its rows too. */
  async lockReachableAfter<T>(ctx: Context, tx: Tx, uuid: string, path: InputPath, before: LocksBefore): Promise<{ group: GroupRow; before: T[] }> {
    const locked = await lockGroupAfter<T>(tx, uuid, before);
    if (!locked.group) throw notFound('group', path);
    ctx.caller.mustReach(locked.group.realmUuid, 'group', path);
    return { group: locked.group, before: locked.before };
  }

  private async refuseTakenExternalId(tx: Tx, realmUuid: string, externalId: string, excludeUuid?: string): Promise<void> {
    if (await groupExternalIdTaken(tx, realmUuid, externalId, excludeUuid)) {
      throw new AppError(ErrorCode.DUPLICATE_EXTERNAL_ID, 'A group with this external ID already exists in the realm.', ['input', 'externalId']);
    }
  }

  private async refuseTakenName(tx: Tx, realmUuid: string, name: string, excludeUuid?: string): Promise<void> {
    if (await groupNameTaken(tx, realmUuid, name, excludeUuid)) {
      throw new AppError(ErrorCode.DUPLICATE_GROUP_NAME, `A group named "${name}" already exists in this realm.`, ['input', 'name']);
    }
  }
}
