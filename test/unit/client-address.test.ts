import type { IncomingMessage } from 'node:http';
import { addressKey, clientAddressResolver } from '../../src/server/client-address';

/** What proxy-addr reads of a request: the socket's peer and the headers. */
const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('client address', () => {
  test('without TRUST_PROXY, X-Forwarded-For is ignored: the peer is the client', () => {
    const addressOf = clientAddressResolver([]);
    expect(addressOf(request('127.0.0.1', '203.0.113.9'))).toBe('127.0.0.1');
  });

  test('from a trusted proxy, the nearest address it did not add itself', () => {
    const addressOf = clientAddressResolver(['loopback', '10.0.0.0/8']);
    expect(addressOf(request('127.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    // The client's own X-Forwarded-For entry (a lie) is left of what our proxies saw.
    expect(addressOf(request('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.1.2.3'))).toBe('203.0.113.9');
    // A peer that is not a trusted proxy is the client, whatever it forwards.
    expect(addressOf(request('192.0.2.50', '203.0.113.9'))).toBe('192.0.2.50');
  });

  test('IPv6 is counted by its /64; IPv4 written as IPv6 as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(undefined)).toBe('unknown');
  });
});
