import type { IdentitySource } from '../common/enums';

/*
 * Suspected duplicates (docs/decisions.md 103): the same person made by hand and provisioned by the
 * identity provider under another username and email, which the realm's unique keys cannot catch.
 * Each rule compares one key of two identities, folded by an IMMUTABLE SQL function of migration
 * IdentityDuplicates, which also made each key's index (realm, source, key, created_at, id). One
 * table: the reasons of the schema, the SQL of the probes and the README are made from it.
 */

export const duplicateReasons = ['SAME_FULL_NAME', 'SAME_DISPLAY_NAME', 'SAME_EMAIL_LOCAL_PART', 'SAME_PHONE_NUMBER', 'SAME_EMPLOYEE_NUMBER'] as const;

export type DuplicateReason = (typeof duplicateReasons)[number];

export interface DuplicateRule {
  /** The key of the identity aliased `a`, as the rule's index holds it (the same expression, so that the planner uses the index). */
  readonly key: (a: string) => string;
  readonly description: string;
}

export const duplicateRules: Record<DuplicateReason, DuplicateRule> = {
  SAME_FULL_NAME: {
    key: (a) => `duplicate_full_name_key(${a}.full_name, ${a}.given_name, ${a}.family_name)`,
    description:
      'The same full name (without one, given and family name), ignoring case, accents and punctuation; names of one word are not compared.',
  },
  SAME_DISPLAY_NAME: {
    key: (a) => `duplicate_name_key(${a}.display_name)`,
    description: 'The same display name, ignoring case, accents and punctuation; names of one word are not compared.',
  },
  SAME_EMAIL_LOCAL_PART: {
    key: (a) => `duplicate_email_key(${a}.primary_email)`,
    description:
      'The same primary email before the @ (of any domain), ignoring case, accents, a "+tag" and every character that is not a letter or digit: "Ada.Lovelace+hr@gmail.com" and "adalovelace@corp.example".',
  },
  SAME_PHONE_NUMBER: {
    key: (a) => `${a}.phone_number`,
    description: 'The same phone number (both are E.164).',
  },
  SAME_EMPLOYEE_NUMBER: {
    key: (a) => `duplicate_identifier_key(${a}.employee_number)`,
    description: 'The same employee number, ignoring case and white space.',
  },
};

/** Only a hand-made identity and one from the identity provider make a pair: the source a partner of `source` has. */
export function partnerSource(source: IdentitySource): IdentitySource {
  return source === 'MANUAL' ? 'IDP' : 'MANUAL';
}

/** The reasons as the rows give them (an array of names), in the table's order. */
export function orderedReasons(reasons: readonly string[]): DuplicateReason[] {
  return duplicateReasons.filter((reason) => reasons.includes(reason));
}
