import type { ConnectionData } from '../common/connection.type';
import { invalidInput, notFound, versionConflict } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import { optionalText, requiredText, version as validVersion } from '../common/validate';
import type { Tx } from '../db/transaction';
import type { Writes } from '../db/writes';
import { differing, nothingChanges } from '../db/update-set';
import { notifyRealmDeleted } from '../events/event-log';
import type { Context } from '../common/context';
import type { CreateRealmInput, DeleteRealmInput, UpdateRealmInput } from './realm.inputs';
import {
  countRealms,
  deleteRealm,
  findRealmPage,
  insertRealm,
  lockRealm,
  lockRealmForDeletion,
  realmOrdering,
  updateRealm,
  type RealmRow,
} from './realm.repository';
import { realmLoaders } from './realm.loaders';

const realmNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function realmName(value: string, path: readonly string[]): string {
  const name = value.trim();
  if (!realmNamePattern.test(name)) {
    throw invalidInput(path, 'A realm name is 1–63 lowercase letters, digits and hyphens, and neither starts nor ends with a hyphen (e.g. "acme-prod").');
  }
  return name;
}

export class RealmService {
  constructor(private readonly writes: Writes) {}

  async get(ctx: Context, uuid: string): Promise<RealmRow | null> {
    return ctx.loaders.of(realmLoaders).byUuid.load(uuid);
  }

  /** `realm(id | name)`: exactly one of the two. */
  async find(ctx: Context, args: { id?: string | null; name?: string | null }): Promise<RealmRow | null> {
    if ((args.id == null) === (args.name == null)) throw invalidInput(['id'], 'Give either `id` or `name` of the realm.');
    if (args.id != null) return this.get(ctx, expectGlobalId(args.id, 'Realm', ['id']));
    // A name no realm can have finds none, without asking the database (which refuses some, e.g. with U+0000).
    if (!realmNamePattern.test(args.name!)) return null;
    return ctx.loaders.of(realmLoaders).byName.load(args.name!);
  }

  async list(ctx: Context, args: PageArgs): Promise<ConnectionData<{ cursor: string; node: RealmRow }>> {
    const request = pageRequest(args, realmOrdering, ctx.limits);
    const only = ctx.caller.realmUuid;
    const rows = await findRealmPage(ctx.reads, request, only);
    return {
      ...toPage(rows, realmOrdering, request, PageEdge),
      totalCount: () => countRealms(ctx.reads, only),
    };
  }

  /** The realm a mutation acts in, locked until its transaction ends; NOT_FOUND when there is none. */
  async lockForChange(tx: Tx, uuid: string, path: readonly string[]): Promise<RealmRow> {
    const realm = await lockRealm(tx, uuid);
    if (!realm) throw notFound('realm', path);
    return realm;
  }

  async create(ctx: Context, input: CreateRealmInput): Promise<RealmRow> {
    const values = {
      name: realmName(input.name, ['input', 'name']),
      displayName: requiredText(input.displayName, ['input', 'displayName'], 'The display name', 128),
      description: optionalText(input.description, ['input', 'description'], 'The description', 1000) ?? null,
      provisionedDeletion: input.provisionedDeletion ?? 'DELETE',
    };
    return this.writes.run(ctx, (tx) => insertRealm(tx, values));
  }

  async update(ctx: Context, input: UpdateRealmInput): Promise<RealmRow> {
    const uuid = expectGlobalId(input.id, 'Realm', ['input', 'id']);
    ctx.caller.needIn('realms:write', uuid, ['input', 'id']);
    const expected = validVersion(input.version, ['input', 'version']);
    const changes = {
      name: input.name == null ? undefined : realmName(input.name, ['input', 'name']),
      displayName: input.displayName == null ? undefined : requiredText(input.displayName, ['input', 'displayName'], 'The display name', 128),
      description: optionalText(input.description, ['input', 'description'], 'The description', 1000),
      provisionedDeletion: input.provisionedDeletion ?? undefined,
    };
    return this.writes.run(ctx, async (tx) => {
      const current = await this.lockForChange(tx, uuid, ['input', 'id']);
      if (expected !== undefined && expected !== current.version) {
        throw versionConflict('realm', ['input', 'version'], expected, current.version);
      }
      const changed = differing(current, changes);
      return nothingChanges(changed) ? current : updateRealm(tx, uuid, changed);
    });
  }

  async delete(ctx: Context, input: DeleteRealmInput): Promise<string> {
    const uuid = expectGlobalId(input.id, 'Realm', ['input', 'id']);
    const realm = await this.writes.run(ctx, async (tx) => {
      const current = await lockRealmForDeletion(tx, uuid);
      if (!current) throw notFound('realm', ['input', 'id']);
      await deleteRealm(tx, uuid);
      await notifyRealmDeleted(tx, uuid);
      return current;
    });
    return realm.id;
  }
}
