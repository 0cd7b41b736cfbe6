import type { DataSource, EntityManager } from 'typeorm';
import { parseGlobalId, toGlobalId, type NodeType } from '../../src/common/global-id';

/*
 * The membership invariants of a realm's event log, checked against its tables (issue #10).
 *
 * `logViolations` replays the whole log from the realm's first event, keeping the identities,
 * groups and memberships the log says exist, and reports every step that the log could not have
 * taken truthfully, then every difference between the replay's end and the tables.
 * `writeViolations` ties what mutations answered to the events they logged. Both return
 * sentences naming the seqs and types involved, so that `expect(violations).toEqual([])` reads as
 * a diagnosis; `realmViolations` is the two together.
 *
 * The log and the tables are read in one REPEATABLE READ transaction: one snapshot.
 */

/** An event as the API names it (MEMBERSHIP_ADDED), with the keys of what it concerns. */
export interface LoggedEvent {
  seq: number;
  type: string;
  actorId: string | null;
  actorName: string | null;
  identityUuid: string | null;
  groupUuid: string | null;
  invitationUuid: string | null;
  data: Record<string, unknown>;
}

/** The writes that touch memberships, as a test sent them (global IDs). */
export type MembershipWrite =
  | { kind: 'addGroupMembers'; groupId: string; identityIds: string[]; groupIds?: string[] }
  | { kind: 'removeGroupMembers'; groupId: string; identityIds: string[]; groupIds?: string[] }
  | { kind: 'deleteIdentity'; identityId: string }
  | { kind: 'deleteGroup'; groupId: string }
  | { kind: 'revokeInvitation'; invitationId: string; identityId: string }
  | { kind: 'acceptInvitation'; invitationId: string; identityId: string; groupIds: string[] }
  | { kind: 'linkIdentities'; identityId: string; duplicateId: string };

/**
 * What a write answered: success, with the IDs its payload listed as changed (`addedMembers`,
 * `removedMembers`; absent for the other writes), or a refusal with its code.
 */
export type WriteOutcome = { ok: true; changedIds?: string[]; changedGroupIds?: string[] } | { ok: false; code: string };

/**
 * A write and its answer, made with the API token `actorId` (the events' `actor.id`). The writes
 * of one token must be listed in the order they were sent, and each must have been answered
 * before the next was sent: a token's events are then its writes' events, one write after the
 * other, in seq order (seqs follow commit order, and a mutation commits before it answers).
 */
export interface RecordedWrite {
  actorId: string;
  write: MembershipWrite;
  outcome: WriteOutcome;
}

export interface InvariantOptions {
  /** Labels for global IDs in the messages ("G", "I"); others show as `Identity 1a2b3c4d`. */
  names?: Record<string, string>;
}

interface Snapshot {
  realmUuid: string;
  lastEventSeq: number;
  prunedThroughSeq: number;
  events: LoggedEvent[];
  identities: string[];
  groups: Array<{ uuid: string; memberCount: number }>;
  memberships: Array<{ groupUuid: string; identityUuid: string }>;
  nestings: Array<{ parentUuid: string; childUuid: string }>;
}

function uuidOf(realmId: string): string {
  const parsed = parseGlobalId(realmId);
  if (!parsed || parsed.type !== 'Realm') throw new Error(`not a realm ID: ${realmId}`);
  return parsed.uuid;
}

async function readSnapshot(manager: EntityManager, realmUuid: string): Promise<Snapshot> {
  const [realm] = await manager.query(
    `SELECT last_event_seq::int AS "lastEventSeq", pruned_through_seq::int AS "prunedThroughSeq" FROM realms WHERE id = $1`,
    [realmUuid],
  );
  if (!realm) throw new Error(`no realm ${realmUuid}`);
  const rows: Array<Omit<LoggedEvent, 'type'> & { type: string }> = await manager.query(
    `SELECT seq::int AS seq, type, actor->>'id' AS "actorId", actor->>'name' AS "actorName",
            identity_id AS "identityUuid", group_id AS "groupUuid", invitation_id AS "invitationUuid", data
       FROM events WHERE realm_id = $1 ORDER BY seq`,
    [realmUuid],
  );
  const identities: Array<{ id: string }> = await manager.query(`SELECT id FROM identities WHERE realm_id = $1`, [realmUuid]);
  const groups: Array<{ uuid: string; memberCount: number }> = await manager.query(
    `SELECT id AS uuid, member_count AS "memberCount" FROM groups WHERE realm_id = $1`,
    [realmUuid],
  );
  const memberships: Array<{ groupUuid: string; identityUuid: string }> = await manager.query(
    `SELECT group_id AS "groupUuid", identity_id AS "identityUuid" FROM group_memberships WHERE realm_id = $1`,
    [realmUuid],
  );
  const nestings: Array<{ parentUuid: string; childUuid: string }> = await manager.query(
    `SELECT parent_id AS "parentUuid", child_id AS "childUuid" FROM group_nestings WHERE realm_id = $1`,
    [realmUuid],
  );
  return {
    realmUuid,
    nestings,
    lastEventSeq: realm.lastEventSeq,
    prunedThroughSeq: realm.prunedThroughSeq,
    // The log stores `membership.added`; the API (and these messages) say MEMBERSHIP_ADDED.
    events: rows.map((row) => ({ ...row, type: row.type.toUpperCase().replace('.', '_'), data: row.data ?? {} })),
    identities: identities.map((row) => row.id),
    groups,
    memberships,
  };
}

function snapshot(db: DataSource, realmId: string): Promise<Snapshot> {
  return db.transaction('REPEATABLE READ', (manager) => readSnapshot(manager, uuidOf(realmId)));
}

/** Names things in messages: the caller's labels, else the type and the uuid's first characters. */
class Namer {
  constructor(private readonly names: Record<string, string> = {}) {}

  of(type: NodeType, uuid: string | null): string {
    if (uuid === null) return `no ${type.toLowerCase()}`;
    return this.names[toGlobalId(type, uuid)] ?? `${type} ${uuid.slice(0, 8)}`;
  }

  ofId(globalId: string): string {
    const parsed = parseGlobalId(globalId);
    return this.names[globalId] ?? (parsed ? this.of(parsed.type, parsed.uuid) : globalId);
  }

  event(event: LoggedEvent): string {
    const about = [
      event.groupUuid && this.of('Group', event.groupUuid),
      event.identityUuid && this.of('Identity', event.identityUuid),
      event.invitationUuid && this.of('Invitation', event.invitationUuid),
    ].filter(Boolean);
    return `#${event.seq} ${event.type}(${about.join(', ')}) by ${event.actorName ?? 'the server'}`;
  }

  write(write: MembershipWrite): string {
    switch (write.kind) {
      case 'addGroupMembers':
      case 'removeGroupMembers':
        return `${write.kind}(${this.ofId(write.groupId)}, [${write.identityIds.map((id) => this.ofId(id)).join(', ')}])`;
      case 'deleteIdentity':
        return `deleteIdentity(${this.ofId(write.identityId)})`;
      case 'deleteGroup':
        return `deleteGroup(${this.ofId(write.groupId)})`;
      case 'revokeInvitation':
      case 'acceptInvitation':
        return `${write.kind}(${this.ofId(write.invitationId)} of ${this.ofId(write.identityId)})`;
      case 'linkIdentities':
        return `linkIdentities(${this.ofId(write.duplicateId)} into ${this.ofId(write.identityId)})`;
    }
  }
}

const pairKey = (groupUuid: string, identityUuid: string) => `${groupUuid}/${identityUuid}`;

/**
 * Replays the realm's log and compares its end with the tables. What it checks:
 * - the log is whole and numbered without gaps, 1 … realms.last_event_seq;
 * - a membership event names a group and an identity that exist at that point of the log;
 * - MEMBERSHIP_ADDED never adds a membership that exists, MEMBERSHIP_REMOVED never removes one
 *   that does not (a membership is removed once);
 * - IDENTITY_DELETED comes after the removal of every membership of the identity;
 * - GROUP_DELETED says in `data.memberCount` how many memberships it ended, and ends them (its
 *   members' removals are not logged one by one);
 * - identities and groups are created once, and changed only while they exist;
 * - IDENTITIES_LINKED names two identities that exist, and is followed by its steps: `membershipsAdded`
 *   MEMBERSHIP_ADDED of the identity, each to a group the merged one is in, `membershipsRemoved`
 *   MEMBERSHIP_REMOVED of the merged one, its IDENTITY_DELETED — and then the identity is in every
 *   group the merged one was in;
 * - GROUP_NESTED nests a group that exists, not nested there yet, without closing a cycle;
 *   GROUP_UNNESTED ends a nesting that exists; no nesting of a group is left at its GROUP_DELETED
 *   (each ended by a GROUP_UNNESTED before it: docs/decisions.md 104);
 * - at the end the replay's identities, groups, memberships and nestings are exactly the tables', and every
 *   group's member_count is its number of membership rows.
 */
export async function logViolations(db: DataSource, realmId: string, options: InvariantOptions = {}): Promise<string[]> {
  return replay(await snapshot(db, realmId), new Namer(options.names));
}

/** Whether `to` is reachable from `from` going down the nestings ("parent/child" keys). */
function reachable(nestings: ReadonlySet<string>, from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === to) return true;
    for (const key of nestings) {
      const [parent, child] = key.split('/');
      if (parent === at && !seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return false;
}

function replay(snap: Snapshot, name: Namer): string[] {
  const violations: string[] = [];
  const identities = new Set<string>();
  const groups = new Set<string>();
  const members = new Map<string, Set<string>>(); // group → identities
  const history = new Map<string, string[]>(); // pair → "+#3", "-#5", "(group deleted #9)"
  const note = (groupUuid: string, identityUuid: string, what: string) => {
    const key = pairKey(groupUuid, identityUuid);
    history.set(key, [...(history.get(key) ?? []), what]);
  };
  const historyOf = (groupUuid: string, identityUuid: string) => {
    const steps = history.get(pairKey(groupUuid, identityUuid));
    return steps ? `its history: ${steps.join(' ')}` : 'no earlier event of it';
  };
  const groupsOf = (identityUuid: string) => [...members].filter(([, set]) => set.has(identityUuid)).map(([group]) => group);
  const nestings = new Set<string>(); // "parent/child"
  const nestingsOf = (groupUuid: string) => [...nestings].filter((key) => key.split('/').includes(groupUuid));

  if (snap.prunedThroughSeq > 0) {
    violations.push(`the log was pruned through #${snap.prunedThroughSeq}: it cannot be replayed from the realm's start`);
    return violations;
  }
  let expectedSeq = 1;
  for (const [index, event] of snap.events.entries()) {
    if (event.seq !== expectedSeq) violations.push(`the log skips from #${expectedSeq - 1} to #${event.seq}`);
    expectedSeq = event.seq + 1;
    const what = name.event(event);
    const needIdentity = () => {
      if (event.identityUuid !== null && identities.has(event.identityUuid)) return true;
      violations.push(`${what}: ${name.of('Identity', event.identityUuid)} does not exist at this point of the log`);
      return false;
    };
    const needGroup = () => {
      if (event.groupUuid !== null && groups.has(event.groupUuid)) return true;
      violations.push(`${what}: ${name.of('Group', event.groupUuid)} does not exist at this point of the log`);
      return false;
    };
    switch (event.type) {
      case 'IDENTITY_CREATED':
        if (event.identityUuid === null || identities.has(event.identityUuid)) violations.push(`${what}: the identity exists already`);
        else identities.add(event.identityUuid);
        break;
      case 'IDENTITY_UPDATED':
      case 'IDENTITY_STATUS_CHANGED':
      case 'INVITATION_CREATED':
      case 'INVITATION_ACCEPTED':
        needIdentity();
        break;
      case 'IDENTITY_DELETED': {
        if (!needIdentity()) break;
        const identityUuid = event.identityUuid!;
        const left = groupsOf(identityUuid);
        if (left.length > 0) {
          violations.push(
            `${what}: the identity is still a member of ${left.map((group) => name.of('Group', group)).join(', ')} ` +
              `(no MEMBERSHIP_REMOVED logged; ${left.map((group) => historyOf(group, identityUuid)).join('; ')})`,
          );
          // The database ended them (cascade): go on from what it holds, so that one fault is reported once.
          for (const group of left) {
            members.get(group)!.delete(identityUuid);
            note(group, identityUuid, `(cascade #${event.seq})`);
          }
        }
        identities.delete(identityUuid);
        break;
      }
      case 'IDENTITIES_LINKED': {
        if (!needIdentity()) break;
        const identityUuid = event.identityUuid!;
        const mergedUuid = typeof event.data.mergedIdentityId === 'string' ? parseGlobalId(event.data.mergedIdentityId)?.uuid : undefined;
        if (mergedUuid === undefined || !identities.has(mergedUuid)) {
          violations.push(`${what}: the merged identity ${JSON.stringify(event.data.mergedIdentityId)} does not exist at this point of the log`);
          break;
        }
        const added = Number(event.data.membershipsAdded);
        const removed = Number(event.data.membershipsRemoved);
        const steps = snap.events.slice(index + 1, index + 1 + added + removed + 1);
        const mergedGroups = new Set(groupsOf(mergedUuid));
        const fits =
          steps.length === added + removed + 1 &&
          steps.slice(0, added).every((step) => step.type === 'MEMBERSHIP_ADDED' && step.identityUuid === identityUuid && mergedGroups.has(step.groupUuid!)) &&
          steps.slice(added, added + removed).every((step) => step.type === 'MEMBERSHIP_REMOVED' && step.identityUuid === mergedUuid) &&
          steps[added + removed]?.type === 'IDENTITY_DELETED' && steps[added + removed]?.identityUuid === mergedUuid &&
          removed === mergedGroups.size;
        if (!fits) {
          violations.push(
            `${what}: says ${added} added and ${removed} removed (the merged one is in ${mergedGroups.size} group(s)), followed by ${steps.map((step) => name.event(step)).join(', ') || 'nothing'}`,
          );
        }
        const lacking = [...mergedGroups].filter((group) => !members.get(group)!.has(identityUuid) && !steps.some((step) => step.type === 'MEMBERSHIP_ADDED' && step.groupUuid === group));
        if (lacking.length > 0) violations.push(`${what}: the identity does not end in the merged one's ${lacking.map((group) => name.of('Group', group)).join(', ')}`);
        break;
      }
      case 'GROUP_CREATED':
        if (event.groupUuid === null || groups.has(event.groupUuid)) violations.push(`${what}: the group exists already`);
        else {
          groups.add(event.groupUuid);
          members.set(event.groupUuid, new Set());
        }
        break;
      case 'GROUP_UPDATED':
        needGroup();
        break;
      case 'GROUP_DELETED': {
        if (!needGroup()) break;
        const groupUuid = event.groupUuid!;
        const ended = members.get(groupUuid)!;
        const said = event.data.memberCount;
        if (typeof said !== 'number') {
          violations.push(`${what}: data.memberCount is ${JSON.stringify(said)}; the deletion ends ${ended.size} membership(s)`);
        } else if (said !== ended.size) {
          violations.push(
            `${what}: data.memberCount is ${said} but the log holds ${ended.size} membership(s) of the group` +
              (ended.size > 0 ? ` (${[...ended].map((identity) => name.of('Identity', identity)).join(', ')})` : ''),
          );
        }
        for (const identity of ended) note(groupUuid, identity, `(ended by #${event.seq})`);
        const left = nestingsOf(groupUuid);
        if (left.length > 0) {
          violations.push(`${what}: the group is still nested (parent/child) ${left.map((key) => key.split('/').map((uuid) => name.of('Group', uuid)).join(' ⊃ ')).join(', ')}: no GROUP_UNNESTED logged`);
          for (const key of left) nestings.delete(key);
        }
        members.delete(groupUuid);
        groups.delete(groupUuid);
        break;
      }
      case 'MEMBERSHIP_ADDED': {
        const group = needGroup();
        const identity = needIdentity();
        if (!group || !identity) break;
        const set = members.get(event.groupUuid!)!;
        if (set.has(event.identityUuid!)) violations.push(`${what}: already a member (${historyOf(event.groupUuid!, event.identityUuid!)})`);
        set.add(event.identityUuid!);
        note(event.groupUuid!, event.identityUuid!, `+#${event.seq}`);
        break;
      }
      case 'MEMBERSHIP_REMOVED': {
        const group = needGroup();
        const identity = needIdentity();
        if (!group || !identity) break;
        const set = members.get(event.groupUuid!)!;
        if (!set.has(event.identityUuid!)) {
          violations.push(`${what}: not a member, so nothing to remove (${historyOf(event.groupUuid!, event.identityUuid!)})`);
        }
        set.delete(event.identityUuid!);
        note(event.groupUuid!, event.identityUuid!, `-#${event.seq}`);
        break;
      }
      case 'GROUP_NESTED':
      case 'GROUP_UNNESTED': {
        if (!needGroup()) break;
        const childUuid = typeof event.data.memberGroupId === 'string' ? parseGlobalId(event.data.memberGroupId)?.uuid : undefined;
        if (childUuid === undefined || !groups.has(childUuid)) {
          violations.push(`${what}: the member group ${JSON.stringify(event.data.memberGroupId)} does not exist at this point of the log`);
          break;
        }
        const key = pairKey(event.groupUuid!, childUuid);
        if (event.type === 'GROUP_NESTED') {
          if (nestings.has(key)) violations.push(`${what}: ${name.of('Group', childUuid)} is nested already`);
          else if (childUuid === event.groupUuid || reachable(nestings, childUuid, event.groupUuid!)) violations.push(`${what}: nesting ${name.of('Group', childUuid)} closes a cycle`);
          nestings.add(key);
        } else {
          if (!nestings.has(key)) violations.push(`${what}: ${name.of('Group', childUuid)} is not nested, so nothing to unnest`);
          nestings.delete(key);
        }
        break;
      }
      default:
        // INVITATION_REVOKED names the identity its revocation deleted just before; the delivery
        // events concern the invitation only. Neither changes what the replay keeps.
        break;
    }
  }
  if (expectedSeq - 1 !== snap.lastEventSeq) {
    violations.push(`the realm's counter says #${snap.lastEventSeq} but the log ends at #${expectedSeq - 1}`);
  }

  const compare = (what: string, replayed: Set<string>, table: Set<string>, show: (key: string) => string) => {
    const onlyLog = [...replayed].filter((key) => !table.has(key));
    const onlyTable = [...table].filter((key) => !replayed.has(key));
    if (onlyLog.length > 0) violations.push(`${what} the log says exist but the table lacks: ${onlyLog.map(show).join(', ')}`);
    if (onlyTable.length > 0) violations.push(`${what} in the table that the log does not account for: ${onlyTable.map(show).join(', ')}`);
  };
  compare('identities', identities, new Set(snap.identities), (uuid) => name.of('Identity', uuid));
  compare('groups', groups, new Set(snap.groups.map((group) => group.uuid)), (uuid) => name.of('Group', uuid));
  const replayedPairs = new Set([...members].flatMap(([group, set]) => [...set].map((identity) => pairKey(group, identity))));
  const showPair = (key: string) => {
    const [group, identity] = key.split('/');
    return `(${name.of('Group', group)}, ${name.of('Identity', identity)}; ${historyOf(group, identity)})`;
  };
  compare('nestings', nestings, new Set(snap.nestings.map((row) => pairKey(row.parentUuid, row.childUuid))), (key) =>
    key.split('/').map((uuid) => name.of('Group', uuid)).join(' ⊃ '),
  );
  compare('memberships', replayedPairs, new Set(snap.memberships.map((row) => pairKey(row.groupUuid, row.identityUuid))), showPair);
  const rows = new Map<string, number>();
  for (const row of snap.memberships) rows.set(row.groupUuid, (rows.get(row.groupUuid) ?? 0) + 1);
  for (const group of snap.groups) {
    const count = rows.get(group.uuid) ?? 0;
    if (group.memberCount !== count) violations.push(`${name.of('Group', group.uuid)}: member_count is ${group.memberCount} but it has ${count} membership row(s)`);
  }
  return violations;
}

/**
 * Ties the answers to the log, token by token (see RecordedWrite): every event a write's token
 * logged is explained by that token's writes, in order, and
 * - a successful addGroupMembers / removeGroupMembers logged one MEMBERSHIP_ADDED / _REMOVED of
 *   its group for each identity its payload listed, and nothing else;
 * - a successful deleteIdentity logged MEMBERSHIP_REMOVED of the identity (one per group at most),
 *   then IDENTITY_DELETED;
 * - a successful deleteGroup logged its GROUP_UNNESTED (both ways), then GROUP_DELETED;
 * - addGroupMembers / removeGroupMembers with `changedGroupIds` logged a GROUP_NESTED / _UNNESTED
 *   of each, after the identities' events;
 * - a successful revokeInvitation logged its identity's removals and IDENTITY_DELETED, then
 *   INVITATION_REVOKED;
 * - a successful linkIdentities logged IDENTITIES_LINKED of the identity, MEMBERSHIP_ADDED of it,
 *   MEMBERSHIP_REMOVED of the duplicate (one per group at most), the duplicate's IDENTITY_DELETED, and
 *   perhaps the identity's IDENTITY_UPDATED;
 * - a successful acceptInvitation logged IDENTITY_UPDATED (when the names changed) and
 *   IDENTITY_STATUS_CHANGED, MEMBERSHIP_ADDED of the identity to groups of the invitation (each at
 *   most once), then INVITATION_ACCEPTED;
 * - a refused write logged nothing.
 * Events of tokens with no recorded write (the setup's) are not looked at.
 */
export async function writeViolations(db: DataSource, realmId: string, writes: readonly RecordedWrite[], options: InvariantOptions = {}): Promise<string[]> {
  return explain((await snapshot(db, realmId)).events, writes, new Namer(options.names));
}

/** Both checks, on one snapshot. */
export async function realmViolations(
  db: DataSource,
  realmId: string,
  writes: readonly RecordedWrite[],
  options: InvariantOptions = {},
): Promise<string[]> {
  const snap = await snapshot(db, realmId);
  const name = new Namer(options.names);
  return [...replay(snap, name), ...explain(snap.events, writes, name)];
}

function uuidOfId(globalId: string): string {
  return parseGlobalId(globalId)?.uuid ?? globalId;
}

function explain(events: readonly LoggedEvent[], writes: readonly RecordedWrite[], name: Namer): string[] {
  const violations: string[] = [];
  const writesOf = new Map<string, RecordedWrite[]>();
  for (const write of writes) writesOf.set(write.actorId, [...(writesOf.get(write.actorId) ?? []), write]);

  for (const [actorId, own] of writesOf) {
    const logged = events.filter((event) => event.actorId === actorId);
    let at = 0;
    const refusedSince: string[] = [];
    for (const [index, recorded] of own.entries()) {
      const label = `write ${index + 1} of its token, ${name.write(recorded.write)}`;
      if (!recorded.outcome.ok) {
        refusedSince.push(`${name.write(recorded.write)} refused with ${recorded.outcome.code}`);
        continue;
      }
      const hint = refusedSince.length > 0 ? ` (or a refused write before it logged: ${refusedSince.join('; ')})` : '';
      const problems: string[] = [];
      const next = () => logged[at];
      const take = (expected: string, matches: (event: LoggedEvent) => boolean): boolean => {
        const event = next();
        if (event && matches(event)) {
          at++;
          return true;
        }
        problems.push(`${label}: expected ${expected}, found ${event ? name.event(event) : 'no further event of its token'}${hint}`);
        return false;
      };
      const is = (event: LoggedEvent, type: string, fields: Partial<Pick<LoggedEvent, 'identityUuid' | 'groupUuid' | 'invitationUuid'>>) =>
        event.type === type && Object.entries(fields).every(([key, value]) => event[key as keyof typeof fields] === value);
      const write = recorded.write;
      switch (write.kind) {
        case 'addGroupMembers':
        case 'removeGroupMembers': {
          const type = write.kind === 'addGroupMembers' ? 'MEMBERSHIP_ADDED' : 'MEMBERSHIP_REMOVED';
          const groupUuid = uuidOfId(write.groupId);
          const pending = new Set((recorded.outcome.changedIds ?? []).map(uuidOfId));
          const listed = [...pending].map((uuid) => name.of('Identity', uuid)).join(', ');
          while (pending.size > 0) {
            const ok = take(`${type} of ${name.of('Group', groupUuid)} for one of [${listed}] (its payload listed them)`, (event) =>
              is(event, type, { groupUuid }) && event.identityUuid !== null && pending.has(event.identityUuid),
            );
            if (!ok) break;
            pending.delete(logged[at - 1].identityUuid!);
          }
          const groupType = write.kind === 'addGroupMembers' ? 'GROUP_NESTED' : 'GROUP_UNNESTED';
          const pendingGroups = new Set(recorded.outcome.changedGroupIds ?? []);
          while (problems.length === 0 && pendingGroups.size > 0) {
            const ok = take(`${groupType} of ${name.of('Group', groupUuid)} for one of [${[...pendingGroups].map((id) => name.ofId(id)).join(', ')}]`, (event) =>
              is(event, groupType, { groupUuid }) && pendingGroups.has(String(event.data.memberGroupId)),
            );
            if (!ok) break;
            pendingGroups.delete(String(logged[at - 1].data.memberGroupId));
          }
          break;
        }
        case 'deleteIdentity':
        case 'revokeInvitation': {
          const identityUuid = uuidOfId(write.identityId);
          const removedFrom = new Set<string>();
          while (next() && is(next(), 'MEMBERSHIP_REMOVED', { identityUuid }) && !removedFrom.has(next().groupUuid!)) {
            removedFrom.add(next().groupUuid!);
            at++;
          }
          if (take(`IDENTITY_DELETED of ${name.of('Identity', identityUuid)}`, (event) => is(event, 'IDENTITY_DELETED', { identityUuid })) && write.kind === 'revokeInvitation') {
            const invitationUuid = uuidOfId(write.invitationId);
            take(`INVITATION_REVOKED of ${name.of('Invitation', invitationUuid)}`, (event) => is(event, 'INVITATION_REVOKED', { invitationUuid }));
          }
          break;
        }
        case 'deleteGroup': {
          const groupUuid = uuidOfId(write.groupId);
          while (next() && next().type === 'GROUP_UNNESTED' && (next().groupUuid === groupUuid || next().data.memberGroupId === write.groupId)) at++;
          take(`GROUP_DELETED of ${name.of('Group', groupUuid)}, after its GROUP_UNNESTED`, (event) => is(event, 'GROUP_DELETED', { groupUuid }));
          break;
        }
        case 'linkIdentities': {
          const identityUuid = uuidOfId(write.identityId);
          const duplicateUuid = uuidOfId(write.duplicateId);
          if (!take(`IDENTITIES_LINKED of ${name.of('Identity', identityUuid)}`, (event) => is(event, 'IDENTITIES_LINKED', { identityUuid }))) break;
          while (next() && is(next(), 'MEMBERSHIP_ADDED', { identityUuid })) at++;
          const removedFrom = new Set<string>();
          while (next() && is(next(), 'MEMBERSHIP_REMOVED', { identityUuid: duplicateUuid }) && !removedFrom.has(next().groupUuid!)) {
            removedFrom.add(next().groupUuid!);
            at++;
          }
          if (!take(`IDENTITY_DELETED of ${name.of('Identity', duplicateUuid)}`, (event) => is(event, 'IDENTITY_DELETED', { identityUuid: duplicateUuid }))) break;
          if (next() && is(next(), 'IDENTITY_UPDATED', { identityUuid })) at++;
          break;
        }
        case 'acceptInvitation': {
          const identityUuid = uuidOfId(write.identityId);
          const invitationUuid = uuidOfId(write.invitationId);
          if (next() && is(next(), 'IDENTITY_UPDATED', { identityUuid })) at++;
          if (!take(`IDENTITY_STATUS_CHANGED of ${name.of('Identity', identityUuid)}`, (event) => is(event, 'IDENTITY_STATUS_CHANGED', { identityUuid }))) break;
          const groups = new Set(write.groupIds.map(uuidOfId));
          while (next() && is(next(), 'MEMBERSHIP_ADDED', { identityUuid }) && groups.has(next().groupUuid!)) {
            groups.delete(next().groupUuid!);
            at++;
          }
          take(`INVITATION_ACCEPTED of ${name.of('Invitation', invitationUuid)}`, (event) => is(event, 'INVITATION_ACCEPTED', { invitationUuid, identityUuid }));
          break;
        }
      }
      if (problems.length > 0) {
        // Resynchronising on the next write's events would be guesswork: show the token's events
        // from the first one that does not fit, and stop.
        const rest = logged.slice(at).map((event) => name.event(event));
        violations.push(...problems.map((problem) => `${problem}; its token's events from there: ${rest.join(', ') || 'none'}`));
        at = logged.length;
        break;
      }
      refusedSince.length = 0;
    }
    if (at < logged.length) {
      const rest = logged.slice(at);
      const refused = refusedSince.length > 0 ? `; refused writes of the token since its last success: ${refusedSince.join('; ')}` : '';
      violations.push(
        `events of the token ${rest[0].actorName ?? actorId} that none of its writes explains: ${rest.map((event) => name.event(event)).join(', ')}${refused}`,
      );
    }
  }
  return violations;
}
