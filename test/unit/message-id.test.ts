import { domainOf, messageIdOf } from '../../src/email/message-id';

describe('the Message-ID of an outbox message', () => {
  test('is its row id at the domain of SMTP_FROM, the same every time', () => {
    const id = '0fcece02-9c95-4f68-bdc5-39448f7447cb';
    expect(messageIdOf(id, 'Acme Access <access@acme.example>')).toBe(`<${id}@acme.example>`);
    expect(messageIdOf(id, 'Acme Access <access@acme.example>')).toBe(messageIdOf(id, 'Acme Access <access@acme.example>'));
  });

  test.each([
    ['access@acme.example', 'acme.example'],
    ['Acme <Access@Mail.ACME.example>', 'mail.acme.example'],
    ['"ops@desk" <no-reply@acme.example>', 'acme.example'],
    ['realmgraph <no-reply@realmgraph.localhost>', 'realmgraph.localhost'],
  ])('%s: the domain is %s', (from, domain) => {
    expect(domainOf(from)).toBe(domain);
  });

  test.each(['no-reply', 'Acme <no-reply@>', 'x@exa mple.com', 'x@[127.0.0.1]'])('%s has no usable domain: the default sender’s', (from) => {
    expect(domainOf(from)).toBe('realmgraph.localhost');
  });
});
