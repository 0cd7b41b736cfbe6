import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';

/**
 * The demo realm that `npm run seed` loads: a made-up company of about 300 people in a dozen
 * groups. Pure and deterministic (a seeded PRNG, no clock, no I/O), so that every machine gets the
 * same realm and a test can pin it down.
 *
 * Times are ages ("created so many minutes before the seed ran"): the seed turns them into
 * timestamps, so that a fresh demo always looks like a company that has been around a while.
 */

export interface DemoRealm {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly ageMinutes: number;
}

export interface DemoIdentity {
  readonly displayName: string;
  readonly username: string;
  readonly primaryEmail: string;
  readonly fullName: string | null;
  readonly phoneNumber: string | null;
  readonly role: IdentityRole;
  readonly status: IdentityStatus;
  readonly source: IdentitySource;
  /** Set exactly for IDP identities, as the database requires. */
  readonly externalId: string | null;
  readonly ageMinutes: number;
}

export interface DemoGroup {
  readonly name: string;
  readonly description: string;
  readonly ageMinutes: number;
  /** Usernames of the members, each once. */
  readonly members: readonly string[];
}

export interface DemoData {
  readonly realm: DemoRealm;
  readonly identities: readonly DemoIdentity[];
  readonly groups: readonly DemoGroup[];
}

export const demoRealmName = 'demo';
export const defaultDemoSeed = 20_240_917;

const minutesPerDay = 24 * 60;
const realmAgeDays = 900;

/** mulberry32: a tiny, well-mixed 32-bit PRNG (public domain); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Random {
  constructor(private readonly next: () => number) {}

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}

// Names from many places, some with letters outside ASCII, so that display names show Unicode
// while usernames and emails fold to ASCII.
const firstNames = [
  'Ada', 'Aisha', 'Alejandro', 'Alexander', 'Amara', 'Ananya', 'Andrés', 'Astrid', 'Ayumi', 'Beatriz',
  'Bilal', 'Camille', 'Carlos', 'Chen', 'Chidi', 'Chloé', 'Daniel', 'Dmitri', 'Elena', 'Elizabeth',
  'Emeka', 'Emma', 'Fatima', 'François', 'Gabriel', 'Grace', 'Hannah', 'Hiroshi', 'Ibrahim', 'Ingrid',
  'Isabel', 'James', 'Jamal', 'Javier', 'Jin', 'José', 'Julia', 'Kai', 'Katherine', 'Kofi',
  'Lars', 'Leila', 'Liam', 'Lucía', 'Mai', 'Malik', 'Margaret', 'María', 'Mateo', 'Mei',
  'Michael', 'Mohammed', 'Nadia', 'Noah', 'Nour', 'Olivia', 'Omar', 'Priya', 'Rafael', 'Ravi',
  'Renée', 'Robert', 'Rosa', 'Samuel', 'Sara', 'Siddharth', 'Sofia', 'Tariq', 'Thomas', 'Valentina',
  'Wei', 'William', 'Yara', 'Yusuf', 'Zoë',
];

const lastNames = [
  'Abara', 'Adeyemi', 'Ahmed', 'Andersson', 'Bauer', 'Bianchi', 'Brown', 'Castillo', 'Chen', 'Costa',
  'Dubois', 'Dvořák', 'Fernández', 'Fischer', 'García', 'Gonzalez', 'Gupta', 'Haddad', 'Hansen', 'Hernández',
  'Hoffmann', 'Ivanova', 'Jansen', 'Johnson', 'Kamau', 'Kim', 'Kowalski', 'Kumar', 'Larsen', 'Le',
  'Lee', 'Lindqvist', 'López', 'Martin', 'Mensah', 'Morales', 'Müller', 'Nakamura', 'Nguyen', 'Novak',
  'O’Brien', 'Okafor', 'Olsen', 'Park', 'Patel', 'Pereira', 'Petrov', 'Ramírez', 'Rossi', 'Sato',
  'Schmidt', 'Silva', 'Singh', 'Smith', 'Suzuki', 'Tanaka', 'Taylor', 'Thompson', 'Torres', 'Tremblay',
  'Van der Berg', 'Virtanen', 'Wang', 'Williams', 'Wilson', 'Wójcik', 'Yamamoto', 'Yilmaz', 'Zhang', 'Zhou',
];

const nicknames: Readonly<Record<string, string>> = {
  Alexander: 'Alex', Elizabeth: 'Liz', Katherine: 'Kate', Margaret: 'Maggie', Michael: 'Mike',
  Robert: 'Bob', Samuel: 'Sam', Thomas: 'Tom', William: 'Will', Valentina: 'Vale',
};

/** Departments and their head counts; they add up to the size of the company. */
const departments = [
  { name: 'Engineering', size: 80, group: 'Software engineers, SREs and QA.' },
  { name: 'Sales', size: 45, group: 'Account executives and sales development.' },
  { name: 'Customer Support', size: 40, group: 'Support agents and team leads, all shifts.' },
  { name: 'Operations', size: 42, group: undefined },
  { name: 'Marketing', size: 25, group: 'Brand, content and growth marketing.' },
  { name: 'Product', size: 20, group: 'Product managers and analysts.' },
  { name: 'Finance', size: 18, group: 'Accounting, payroll and procurement.' },
  { name: 'Design', size: 14, group: 'Product and brand designers, UX research.' },
  { name: 'People', size: 12, group: 'Recruiting and HR.' },
  { name: 'Legal', size: 4, group: undefined },
] as const;

const companySize = departments.reduce((sum, department) => sum + department.size, 0);
const adminCount = 9;
const onCallSize = 16;
const securityChampionsSize = 7;

/** Folds a name to lowercase ASCII letters and digits: "Dvořák" → "dvorak", "O’Brien" → "obrien". */
export function asciiSlug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Fictional numbers that ring nowhere: US 555-0100–0199 and UK Ofcom drama numbers (020 7946 0xxx).
 * Numbers may repeat between people, as shared desk lines do; the schema does not ask otherwise.
 */
function phoneNumber(random: Random): string {
  if (random.chance(0.7)) {
    const areaCode = random.pick(['206', '212', '312', '415', '512', '617']);
    return `+1${areaCode}55501${String(random.int(0, 99)).padStart(2, '0')}`;
  }
  return `+44207946${String(random.int(0, 999)).padStart(4, '0')}`;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Shaped like an Okta user ID behind the connector's prefix: "okta|00u" and 17 more characters. */
function oktaExternalId(random: Random): string {
  let id = 'okta|00u';
  for (let i = 0; i < 17; i++) id += random.pick([...base62]);
  return id;
}

export function generateDemoData(seed: number = defaultDemoSeed): DemoData {
  const random = new Random(mulberry32(seed));
  const realmAgeMinutes = realmAgeDays * minutesPerDay;

  const departmentOf = random.shuffle(departments.flatMap((department) => Array<string>(department.size).fill(department.name)));
  // The first few hires run the place: they are the admins and joined in the realm's first month.
  const adminIndexes = new Set(Array.from({ length: adminCount }, (_, i) => i));

  const usernames = new Set<string>();
  const externalIds = new Set<string>();
  const identities: DemoIdentity[] = [];
  const departmentMembers = new Map<string, DemoIdentity[]>();

  for (let index = 0; index < companySize; index++) {
    const first = random.pick(firstNames);
    const last = random.pick(lastNames);
    const middleInitial = random.chance(0.3) ? `${random.pick([...'ABCDEFGHJKLMNPRSTW'])}.` : undefined;
    const preferred = nicknames[first] !== undefined && random.chance(0.6) ? nicknames[first] : first;

    // Two people may share a name; the second "maria.garcia" becomes "maria.garcia2".
    const base = random.chance(0.8) ? `${asciiSlug(first)}.${asciiSlug(last)}` : `${asciiSlug(first)[0]}${asciiSlug(last)}`;
    let username = base;
    for (let n = 2; usernames.has(username.toLowerCase()); n++) username = `${base}${n}`;
    usernames.add(username.toLowerCase());

    const admin = adminIndexes.has(index);
    const source: IdentitySource = !admin && random.chance(0.25) ? 'IDP' : 'MANUAL';
    let externalId: string | null = null;
    if (source === 'IDP') {
      do externalId = oktaExternalId(random);
      while (externalIds.has(externalId));
      externalIds.add(externalId);
    }

    const roll = random.int(1, 100);
    const status: IdentityStatus = admin || roll <= 87 ? 'ACTIVE' : roll <= 94 ? 'SUSPENDED' : 'DEPROVISIONED';
    // Some people write their address with capitals ("Maria.Garcia2@…"); it is the username
    // case-folded, so addresses are as unique as usernames.
    const mailbox = random.chance(0.1) ? username.replace(/(^|\.)([a-z])/g, (_, dot: string, letter: string) => dot + letter.toUpperCase()) : username;

    const identity: DemoIdentity = {
      displayName: `${preferred} ${last}`,
      username,
      primaryEmail: `${mailbox}@demo.example.com`,
      fullName: random.chance(0.75) ? [first, middleInitial, last].filter(Boolean).join(' ') : null,
      phoneNumber: random.chance(0.4) ? phoneNumber(random) : null,
      role: admin ? 'ADMIN' : 'GRANTEE',
      status,
      source,
      externalId,
      ageMinutes: admin
        ? realmAgeMinutes - random.int(1, 30 * minutesPerDay)
        : random.int(1, realmAgeMinutes - 30 * minutesPerDay),
    };
    identities.push(identity);
    const department = departmentOf[index];
    departmentMembers.set(department, [...(departmentMembers.get(department) ?? []), identity]);
  }

  const byAge = (a: DemoIdentity, b: DemoIdentity) => b.ageMinutes - a.ageMinutes;
  const usernamesOf = (members: readonly DemoIdentity[]) => [...members].sort(byAge).map((identity) => identity.username);
  const engineers = departmentMembers.get('Engineering') ?? [];
  const groupAge = () => realmAgeMinutes - random.int(0, 60 * minutesPerDay);

  const groups: DemoGroup[] = [
    { name: 'Everyone', description: 'Every identity of Demo Company, whatever its status.', ageMinutes: realmAgeMinutes, members: usernamesOf(identities) },
    ...departments.flatMap((department) =>
      department.group === undefined
        ? []
        : [{ name: department.name, description: department.group, ageMinutes: groupAge(), members: usernamesOf(departmentMembers.get(department.name) ?? []) }],
    ),
    { name: 'Admins', description: 'Identities with the ADMIN role.', ageMinutes: realmAgeMinutes, members: usernamesOf(identities.filter((identity) => identity.role === 'ADMIN')) },
    {
      name: 'On-call',
      description: 'Active engineers in the pager rotation.',
      ageMinutes: groupAge(),
      members: usernamesOf(random.shuffle(engineers.filter((identity) => identity.status === 'ACTIVE')).slice(0, onCallSize)),
    },
    {
      name: 'Security Champions',
      description: 'One or two volunteers per team who review security questions.',
      ageMinutes: groupAge(),
      members: usernamesOf(random.shuffle(identities.filter((identity) => identity.status === 'ACTIVE' && identity.role === 'GRANTEE')).slice(0, securityChampionsSize)),
    },
    // Empty on purpose: the demo shows a group with no members, and where to add the first one.
    { name: 'Contractors', description: 'External contractors; none at the moment.', ageMinutes: random.int(1, 30 * minutesPerDay), members: [] },
  ];

  return {
    realm: {
      name: demoRealmName,
      displayName: 'Demo Company',
      description: 'Made-up people and groups from `npm run seed`, to explore the API. Safe to delete.',
      ageMinutes: realmAgeMinutes,
    },
    identities,
    groups,
  };
}
