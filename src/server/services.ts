import type { DataSource } from 'typeorm';
import { GroupService } from '../group/group.service';
import { IdentityService } from '../identity/identity.service';
import { MembershipService } from '../membership/membership.service';
import { RealmService } from '../realm/realm.service';

/** The domain services: created once per process, they take the request context first. */
export interface Services {
  realms: RealmService;
  identities: IdentityService;
  groups: GroupService;
  memberships: MembershipService;
}

export function createServices(dataSource: DataSource): Services {
  return {
    realms: new RealmService(dataSource),
    identities: new IdentityService(dataSource),
    groups: new GroupService(dataSource),
    memberships: new MembershipService(dataSource),
  };
}
