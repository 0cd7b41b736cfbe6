import { AppError, ErrorCode, type InputPath } from './errors';

export const nodeTypes = ['Realm', 'Identity', 'Group', 'Invitation', 'ApiToken', 'WebhookEndpoint', 'WebhookDelivery'] as const;
export type NodeType = (typeof nodeTypes)[number];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opaque global IDs (Relay): base64url of "Type:uuid". Clients must not parse them; the type
 * prefix lets `node(id)` find the table and lets every argument refuse an ID of the wrong type.
 */
export function toGlobalId(type: NodeType, uuid: string): string {
  return Buffer.from(`${type}:${uuid}`).toString('base64url');
}

export function parseGlobalId(id: string): { type: NodeType; uuid: string } | undefined {
  if (id.length > 100) return undefined;
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  const type = decoded.slice(0, colon) as NodeType;
  const uuid = decoded.slice(colon + 1);
  if (colon < 0 || !nodeTypes.includes(type) || !uuidPattern.test(uuid)) return undefined;
  // Refuse non-canonical spellings so that one object has exactly one ID.
  if (toGlobalId(type, uuid) !== id) return undefined;
  return { type, uuid };
}

/** The uuid behind an ID that must name a `type`; a clear INVALID_ID error otherwise. */
export function expectGlobalId(id: string, type: NodeType, inputPath: InputPath): string {
  const parsed = parseGlobalId(id);
  if (!parsed) throw new AppError(ErrorCode.INVALID_ID, `"${truncate(id)}" is not a valid ID.`, inputPath);
  if (parsed.type !== type) {
    throw new AppError(ErrorCode.INVALID_ID, `The ID "${truncate(id)}" names ${withArticle(parsed.type)}, not ${withArticle(type)}.`, inputPath);
  }
  return parsed.uuid;
}

/** The type names are English nouns: "an Identity", "a Group". */
function withArticle(type: NodeType): string {
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
