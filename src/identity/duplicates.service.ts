import type { ConnectionData } from '../common/connection.type';
import type { Context } from '../common/context';
import type { IdentitySource } from '../common/enums';
import { AppError, ErrorCode, invalidInput, notFound, versionConflict } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { Edge, PageEdge, pageRequest, toPage, type CursorRow, type Ordering, type PageArgs, type PageRequest } from '../common/pagination';
import { wholeList, type ListProjection } from '../common/projection';
import * as validate from '../common/validate';
import { differing, nothingChanges } from '../db/update-set';
import type { Writes } from '../db/writes';
import { describeChanges, identitySnapshot } from '../events/changes';
import { appendEvents } from '../events/event-log';
import type { NewEvent } from '../events/event-types';
import { addLocked, type LockedIdentities } from '../membership/membership.writes';
import type { RealmRow } from '../realm/realm.repository';
import { orderedReasons, type DuplicateReason } from './duplicate-rules';
import type { DuplicatePairRow, DuplicateRow } from './duplicates.repository';
import type { LinkIdentitiesInput } from './identity.inputs';
import { identityLoaders } from './identity.loaders';
import { lockClaimedKeys, lockIdentitiesForMerge, updateIdentity, type IdentityColumn, type IdentityKeys, type IdentityRow } from './identity.repository';
import type { IdentityService } from './identity.service';

/*
 * Suspected duplicates and their merge (docs/decisions.md 103): the lists read through the identity
 * loaders (one statement per level, batched across a page's identities or realms); linkIdentities
 * is one transaction with its events, its locks in the order of decision 63.
 */

/** An identity's duplicates, oldest first: the order the rules' indexes keep for each key. */
export const duplicateOrdering: Ordering = {
  key: 'duplicate.created',
  columns: [
    { sql: 'y.created_at', type: 'timestamptz' },
    { sql: 'y.id', type: 'uuid' },
  ],
  descending: false,
};

/** A realm's pairs, walking one side in creation order: the cursor names the side, so that a list keeps its order. */
const pairOrderings: Record<IdentitySource, Ordering> = {
  MANUAL: pairOrdering('MANUAL'),
  IDP: pairOrdering('IDP'),
};

function pairOrdering(walked: IdentitySource): Ordering {
  return {
    key: `duplicatePair.${walked}`,
    columns: [
      { sql: 'm.created_at', type: 'timestamptz' },
      { sql: 'm.id', type: 'uuid' },
      { sql: 'd.created_at', type: 'timestamptz' },
      { sql: 'd.id', type: 'uuid' },
    ],
    descending: false,
  };
}

class DuplicateEdge extends PageEdge<CursorRow<DuplicateRow>> {
  get reasons(): DuplicateReason[] {
    return orderedReasons(this.row.reasons);
  }
}

interface DuplicatePairNode {
  identity: IdentityRow;
  duplicate: IdentityRow;
  reasons: DuplicateReason[];
}

type PairRowWithNode = CursorRow<DuplicatePairRow & { pair: DuplicatePairNode }>;

class DuplicatePairEdge extends Edge<PairRowWithNode> {
  get node(): DuplicatePairNode {
    return this.row.pair;
  }
}

/** A membership linkIdentities gave the identity: its group, and when (as the row holds it, for a cursor of Identity.groups). */
export interface AddedMembership {
  groupUuid: string;
  addedAt: string;
  /** `added_at` as PostgreSQL prints it: the first sort value of Identity.groups' default order. */
  addedAtSortValue: string;
}

export interface LinkedIdentities {
  identity: IdentityRow;
  /** The duplicate's global ID. */
  mergedIdentityId: string;
  added: AddedMembership[];
}

/** When a side of a realm has no identity, there is no pair to walk to. */
const emptyPage = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };

export class DuplicateService {
  constructor(
    private readonly writes: Writes,
    private readonly identities: IdentityService,
  ) {}

  /** The identity's suspected duplicates: the other source's identities of its realm that a rule matches. */
  async duplicatesOf(
    ctx: Context,
    identity: IdentityKeys,
    args: PageArgs,
    projection: ListProjection<IdentityColumn> = wholeList,
  ): Promise<ConnectionData<DuplicateEdge>> {
    const request = pageRequest(args, duplicateOrdering, ctx.limits);
    const loaders = ctx.loaders.of(identityLoaders).duplicatesOf;
    const rows = await loaders.page(identity.uuid, undefined, duplicateOrdering, request, projection);
    return { ...toPage(rows, duplicateOrdering, request, DuplicateEdge), totalCount: () => loaders.count(identity.uuid, undefined) };
  }

  /**
   * The realm's pairs. A first page walks the smaller side (each side counted up to a cap); a
   * cursor names the side its list walks. The pair's identities are read in one batch.
   */
  async pairsOf(ctx: Context, realm: RealmRow, args: PageArgs): Promise<ConnectionData<DuplicatePairEdge>> {
    const loaders = ctx.loaders.of(identityLoaders);
    let walked: IdentitySource;
    let request: PageRequest;
    const cursor = args.after ?? args.before;
    if (cursor != null) {
      ({ walked, request } = this.resumed(ctx, args));
    } else {
      const sizes = await loaders.sourceSizes.load(realm.uuid);
      if (sizes.MANUAL === 0 || sizes.IDP === 0) {
        pageRequest(args, pairOrderings.MANUAL, ctx.limits); // the arguments are checked all the same
        return emptyPage;
      }
      walked = sizes.IDP < sizes.MANUAL ? 'IDP' : 'MANUAL';
      request = pageRequest(args, pairOrderings[walked], ctx.limits);
    }
    const ordering = pairOrderings[walked];
    const rows = await loaders.duplicatePairsOf.page(realm.uuid, walked, ordering, request, wholeList);
    const identities = new Map<string, IdentityRow>();
    const loaded = await loaders.byUuid.loadMany([...new Set(rows.flatMap((row) => [row.identityUuid, row.duplicateUuid]))]);
    for (const row of loaded) if (row && !(row instanceof Error)) identities.set(row.uuid, row);
    const withNodes: PairRowWithNode[] = [];
    for (const row of rows) {
      const identity = identities.get(row.identityUuid);
      const duplicate = identities.get(row.duplicateUuid);
      // A pair whose identity was deleted between the two statements is left out.
      if (identity && duplicate) withNodes.push({ ...row, pair: { identity, duplicate, reasons: orderedReasons(row.reasons) } });
    }
    return { ...toPage(withNodes, ordering, request, DuplicatePairEdge), totalCount: () => loaders.duplicatePairsOf.count(realm.uuid, walked) };
  }

  /** The side a cursor's list walks, and the page it asks: each side's ordering tried in turn. */
  private resumed(ctx: Context, args: PageArgs): { walked: IdentitySource; request: PageRequest } {
    try {
      return { walked: 'MANUAL', request: pageRequest(args, pairOrderings.MANUAL, ctx.limits) };
    } catch (manualError) {
      try {
        return { walked: 'IDP', request: pageRequest(args, pairOrderings.IDP, ctx.limits) };
      } catch {
        throw manualError;
      }
    }
  }

  /**
   * Merges the duplicate into the identity, in one transaction: both locked FOR UPDATE in id order;
   * the duplicate's memberships ended (its groups locked in id order), the identity added to those
   * of its groups it was not in, the duplicate deleted; a MANUAL identity merging an IDP duplicate
   * takes its `source` and `externalId`. The events: IDENTITIES_LINKED, then each step's own.
   */
  async link(ctx: Context, input: LinkIdentitiesInput): Promise<LinkedIdentities> {
    const identityUuid = expectGlobalId(input.identityId, 'Identity', ['input', 'identityId']);
    const duplicateUuid = expectGlobalId(input.duplicateId, 'Identity', ['input', 'duplicateId']);
    const expected = validate.version(input.version, ['input', 'version']);
    const expectedDuplicate = validate.version(input.duplicateVersion, ['input', 'duplicateVersion']);
    return this.writes.run(ctx, async (tx) => {
      const locked = await lockIdentitiesForMerge(tx, [identityUuid, duplicateUuid]);
      const identity = locked.find((row) => row.uuid === identityUuid);
      if (!identity) throw notFound('identity', ['input', 'identityId'], input.identityId);
      ctx.caller.mustReach(identity.realmUuid, 'identity', ['input', 'identityId'], input.identityId);
      const duplicate = locked.find((row) => row.uuid === duplicateUuid);
      if (!duplicate) throw notFound('identity', ['input', 'duplicateId'], input.duplicateId);
      ctx.caller.mustReach(duplicate.realmUuid, 'identity', ['input', 'duplicateId'], input.duplicateId);
      if (identityUuid === duplicateUuid) throw invalidInput(['input', 'duplicateId'], 'An identity cannot be merged into itself: name another identity as its duplicate.');
      if (duplicate.realmUuid !== identity.realmUuid) {
        throw new AppError(ErrorCode.CROSS_REALM, `The identity "${input.duplicateId}" belongs to another realm than the identity.`, ['input', 'duplicateId']);
      }
      if (expected !== undefined && expected !== identity.version) throw versionConflict('identity', ['input', 'version'], expected, identity.version);
      if (expectedDuplicate !== undefined && expectedDuplicate !== duplicate.version) {
        throw versionConflict('identity', ['input', 'duplicateVersion'], expectedDuplicate, duplicate.version);
      }
      for (const [row, path] of [[identity, 'identityId'], [duplicate, 'duplicateId']] as const) {
        if (row.status === 'INVITED') {
          throw new AppError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            'This identity was invited and has not accepted yet: its invitation owns it (revoke the invitation to remove it).',
            ['input', path],
            { status: row.status },
          );
        }
      }
      if (identity.source === 'IDP' && duplicate.source === 'IDP') {
        throw invalidInput(
          ['input', 'duplicateId'],
          'Both identities come from the identity provider, which would provision the deleted one again: merge the two at the provider.',
        );
      }
      const takes = identity.source === 'MANUAL' && duplicate.source === 'IDP' ? differing(identity, { source: 'IDP' as const, externalId: duplicate.externalId }) : {};
      // The external ID changes hands under its claim's lock (decision 82), after the identities and before any group.
      if (takes.externalId != null) await lockClaimedKeys(tx, identity.realmUuid, { externalId: takes.externalId });

      const erased = await this.identities.erase(tx, duplicate);
      const me: LockedIdentities = { ids: [identity.id], uuids: [identity.uuid], realms: new Map([[identity.uuid, identity.realmUuid]]), path: ['input', 'identityId'] };
      const added: AddedMembership[] = [];
      const additions: NewEvent[] = [];
      // The duplicate's groups, each locked (in id order) by the erasure and still locked: one insert each.
      for (const event of erased) {
        if (event.type !== 'membership.removed') continue;
        const result = await addLocked(ctx.caller, tx, { uuid: event.groupUuid!, realmUuid: identity.realmUuid }, me);
        additions.push(...result.events);
        for (const row of result.added) added.push({ groupUuid: event.groupUuid!, addedAt: row.addedAt, addedAtSortValue: row.__cursor0 });
      }
      const updated = nothingChanges(takes) ? identity : await updateIdentity(tx, identity.uuid, takes);
      const linked: NewEvent = {
        type: 'identities.linked',
        identityUuid: identity.uuid,
        data: {
          mergedIdentityId: duplicate.id,
          mergedIdentity: identitySnapshot(duplicate),
          membershipsAdded: additions.length,
          membershipsRemoved: erased.length - 1,
        },
      };
      const update: NewEvent[] = nothingChanges(takes) ? [] : [{ type: 'identity.updated', identityUuid: identity.uuid, data: { changes: describeChanges(identity, takes) } }];
      await appendEvents(tx, identity.realmUuid, [linked, ...additions, ...erased, ...update]);
      return { identity: updated, mergedIdentityId: duplicate.id, added };
    });
  }
}
