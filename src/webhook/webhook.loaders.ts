import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderSet } from '../common/loaders';
import type { wholeList } from '../common/projection';
import {
  deliveryCountsByEndpoint,
  deliveryPagesByEndpoint,
  endpointCountsByRealm,
  endpointPagesByRealm,
  findDeliveriesByUuid,
  findEndpointsByUuid,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from './webhook.repository';

export interface WebhookLoaders {
  endpointByUuid: DataLoader<string, WebhookEndpointRow | null>;
  deliveryByUuid: DataLoader<string, WebhookDeliveryRow | null>;
  ofRealm: ListLoaders<WebhookEndpointRow, undefined, typeof wholeList>;
  deliveriesOf: ListLoaders<WebhookDeliveryRow, undefined, typeof wholeList>;
}

/** The webhook loaders of one request (src/common/loaders.ts, RequestLoaders), realm-scoped in their batches. */
export const webhookLoaders: LoaderSet<WebhookLoaders> = (db, options) => ({
  endpointByUuid: rowLoader(options, (uuids) => findEndpointsByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  deliveryByUuid: rowLoader(options, (uuids) => findDeliveriesByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  ofRealm: new ListLoaders(
    options,
    (realmUuids, _filter, _ordering, request) => endpointPagesByRealm(db, realmUuids, request),
    (realmUuids) => endpointCountsByRealm(db, realmUuids),
  ),
  deliveriesOf: new ListLoaders(
    options,
    (endpointUuids, _filter, _ordering, request) => deliveryPagesByEndpoint(db, endpointUuids, request),
    (endpointUuids) => deliveryCountsByEndpoint(db, endpointUuids),
  ),
});
