import { CreateGraph1795446061514 } from './1795446061514-CreateGraph';
import { AddEventsAndInvitations1795447900434 } from './1795447900434-AddEventsAndInvitations';
import { AddApiTokens1795449318220 } from './1795449318220-AddApiTokens';
import { FasterGlobalId1795454675513 } from './1795454675513-FasterGlobalId';
import { TokenTree1795460531207 } from './1795460531207-TokenTree';
import { RecordEmailAttempts1795460899412 } from './1795460899412-RecordEmailAttempts';
import { SearchIdentities1795470000000 } from './1795470000000-SearchIdentities';
import { StoreSearchText1795480000000 } from './1795480000000-StoreSearchText';
import { ProvisioningAttributes1795490000000 } from './1795490000000-ProvisioningAttributes';
import { ScimScope1795490000001 } from './1795490000001-ScimScope';
import { ScimResourceDetails1795490000002 } from './1795490000002-ScimResourceDetails';
import { ProvisionedDeletion1795490000003 } from './1795490000003-ProvisionedDeletion';
import { ExternalIdIndex1795490000004 } from './1795490000004-ExternalIdIndex';
import { IdentityDuplicates1795500000000 } from './1795500000000-IdentityDuplicates';
import { IdentitiesLinkedEvent1795500000001 } from './1795500000001-IdentitiesLinkedEvent';
import { GroupNestings1795510000000 } from './1795510000000-GroupNestings';
import { GroupClosure1795520000000 } from './1795520000000-GroupClosure';
import { UnnestingIndex1795530000000 } from './1795530000000-UnnestingIndex';
import { Webhooks1795540000000 } from './1795540000000-Webhooks';
import { WebhookEndpointReasons1795550000000 } from './1795550000000-WebhookEndpointReasons';
import { SharedRateLimits1795560000000 } from './1795560000000-SharedRateLimits';
import { IdentityCounts1795570000000 } from './1795570000000-IdentityCounts';

/**
 * Every migration, in order. Listed rather than globbed so that the same list works compiled
 * (dist/) and under the test runner; test/integration/schema.test.ts fails when a file is missing.
 */
export const migrations = [CreateGraph1795446061514, AddEventsAndInvitations1795447900434, AddApiTokens1795449318220, FasterGlobalId1795454675513, TokenTree1795460531207, RecordEmailAttempts1795460899412, SearchIdentities1795470000000, StoreSearchText1795480000000, ProvisioningAttributes1795490000000, ScimScope1795490000001, ScimResourceDetails1795490000002, ProvisionedDeletion1795490000003, ExternalIdIndex1795490000004, IdentityDuplicates1795500000000, IdentitiesLinkedEvent1795500000001, GroupNestings1795510000000, GroupClosure1795520000000, UnnestingIndex1795530000000, Webhooks1795540000000, WebhookEndpointReasons1795550000000, SharedRateLimits1795560000000, IdentityCounts1795570000000];
