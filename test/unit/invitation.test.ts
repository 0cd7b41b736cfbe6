import { invitationStatuses } from '../../src/common/enums';
import { ErrorCode } from '../../src/common/errors';
import { escapeHtml } from '../../src/email/html';
import { invitationEmail } from '../../src/invitation/invitation-email';
import { decide } from '../../src/invitation/invitation-lifecycle';
import { hashInvitationToken, looksLikeToken, newInvitationToken } from '../../src/invitation/invitation-token';

describe('the invitation lifecycle', () => {
  test('only a PENDING invitation can be accepted; each other status has its own code', () => {
    expect(invitationStatuses.map((status) => [status, decide(status, 'ACCEPT')])).toEqual([
      ['PENDING', { allowed: true }],
      ['ACCEPTED', expect.objectContaining({ allowed: false, code: ErrorCode.INVITATION_ALREADY_ACCEPTED })],
      ['REVOKED', expect.objectContaining({ allowed: false, code: ErrorCode.INVITATION_REVOKED })],
      ['EXPIRED', expect.objectContaining({ allowed: false, code: ErrorCode.INVITATION_EXPIRED })],
    ]);
  });

  test.each(['REVOKE', 'RESEND'] as const)('%s takes a PENDING or EXPIRED invitation, nothing else', (action) => {
    expect(invitationStatuses.filter((status) => decide(status, action).allowed)).toEqual(['PENDING', 'EXPIRED']);
    for (const status of ['ACCEPTED', 'REVOKED'] as const) {
      expect(decide(status, action)).toMatchObject({ allowed: false, code: ErrorCode.INVITATION_NOT_PENDING });
    }
  });
});

describe('invitation tokens', () => {
  test('are 32 random bytes in base64url, and only their SHA-256 is kept', () => {
    const a = newInvitationToken();
    const b = newInvitationToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toHaveLength(32);
    expect(a.hash.equals(hashInvitationToken(a.token))).toBe(true);
    expect(a.hash.equals(b.hash)).toBe(false);
  });

  test('anything but a token’s shape is recognised before any query', () => {
    expect(looksLikeToken(newInvitationToken().token)).toBe(true);
    for (const value of ['', 'short', `${'a'.repeat(43)}=`, `${'a'.repeat(42)}+`, 'a'.repeat(44)]) expect(looksLikeToken(value)).toBe(false);
  });
});

describe('the invitation email', () => {
  const args = {
    publicUrl: 'https://accounts.example',
    token: 'T0k3n_-abc',
    realm: { name: 'acme', displayName: 'Acme <Labs> & "Friends"' },
    recipientName: "O'Brien <b>",
    role: 'ADMIN' as const,
    expiresAt: new Date('2030-01-02T03:04:05.678Z'),
  };

  test('links to PUBLIC_URL/invitations/accept with the token', () => {
    const email = invitationEmail(args);
    expect(email.link).toBe('https://accounts.example/invitations/accept?token=T0k3n_-abc');
    expect(email.text).toContain(email.link);
    expect(email.html).toContain(`href="${email.link}"`);
  });

  test('says who, where, as what and until when, in text and HTML', () => {
    const email = invitationEmail(args);
    expect(email.subject).toBe('You are invited to Acme <Labs> & "Friends"');
    expect(email.text).toContain("Hello O'Brien <b>,");
    expect(email.text).toContain('as an administrator');
    expect(email.text).toContain('2030-01-02 03:04:05 UTC');
    expect(email.html).toContain('Hello O&#39;Brien &lt;b&gt;,');
    expect(email.html).toContain('<strong>Acme &lt;Labs&gt; &amp; &quot;Friends&quot;</strong>');
    expect(email.html).not.toContain('<b>');
  });

  test('a subject stays on one line whatever the realm’s name holds', () => {
    expect(invitationEmail({ ...args, realm: { name: 'acme', displayName: 'Acme\r\nBcc: victim@example.com' } }).subject).toBe(
      'You are invited to Acme Bcc: victim@example.com',
    );
  });

  test('without a name, the greeting is plain', () => {
    expect(invitationEmail({ ...args, recipientName: null }).text.startsWith('Hello,\n')).toBe(true);
  });
});

describe('escapeHtml', () => {
  test('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
