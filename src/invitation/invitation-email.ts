import type { IdentityRole } from '../common/enums';
import { escapeHtml } from '../email/html';

export interface InvitationEmailArgs {
  /** The base of links (PUBLIC_URL, or the server's address). */
  publicUrl: string;
  token: string;
  realm: { name: string; displayName: string };
  recipientName: string | null;
  role: IdentityRole;
  expiresAt: Date;
}

export interface InvitationEmail {
  subject: string;
  text: string;
  html: string;
  link: string;
}

/** Where the invitee accepts: a page of the front end at PUBLIC_URL, which calls acceptInvitation with the token. */
export function acceptLink(publicUrl: string, token: string): string {
  return `${publicUrl}/invitations/accept?token=${encodeURIComponent(token)}`;
}

const roleNames: Record<IdentityRole, string> = { ADMIN: 'an administrator', GRANTEE: 'a member' };

/** The invitation message, in a text and an HTML part. Everything a person typed is escaped in the HTML. */
export function invitationEmail(args: InvitationEmailArgs): InvitationEmail {
  const link = acceptLink(args.publicUrl, args.token);
  const realm = args.realm.displayName;
  const expires = args.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC');
  const greeting = args.recipientName ? `Hello ${args.recipientName},` : 'Hello,';
  // A header is one line: a name with line breaks in it must not start new headers.
  const subject = `You are invited to ${realm}`.replace(/\s+/g, ' ');
  const text = [
    greeting,
    '',
    `You have been invited to join ${realm} (${args.realm.name}) as ${roleNames[args.role]}.`,
    '',
    'Accept the invitation here:',
    link,
    '',
    `The link works once and expires on ${expires}.`,
    'If you did not expect this invitation, ignore this email.',
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html><body>',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>You have been invited to join <strong>${escapeHtml(realm)}</strong> (${escapeHtml(args.realm.name)}) as ${roleNames[args.role]}.</p>`,
    `<p><a href="${escapeHtml(link)}">Accept the invitation</a></p>`,
    `<p>The link works once and expires on ${escapeHtml(expires)}. If you did not expect this invitation, ignore this email.</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html, link };
}
