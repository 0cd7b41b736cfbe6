import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/**
 * Who is at the other end of a request, for the limits that count per address (the request rate
 * without a token, failed authentications). One function for the HTTP request and the WebSocket
 * upgrade request alike, so that both transports spend one budget.
 *
 * `X-Forwarded-For` is believed only from the proxies TRUST_PROXY names (proxy-addr, the library
 * Express itself uses: it walks the header from the nearest hop and stops at the first address that
 * is not a trusted proxy). From anyone else it is ignored: a client could otherwise name a fresh
 * address on every request and never meet a limit.
 */
export type ClientAddressOf = (request: IncomingMessage) => string;

export function clientAddressResolver(trustProxy: readonly string[]): ClientAddressOf {
  const trust = proxyaddr.compile([...trustProxy]);
  return (request) => addressKey(proxyaddr(request, trust));
}

/**
 * The key an address is counted under. IPv4 (and IPv4 written as IPv6, `::ffff:10.0.0.1`) as it is;
 * IPv6 by its /64, the smallest block a site is normally given: one host owns 2^64 addresses of it
 * and could otherwise take a fresh one for every request.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || !ipaddr.isValid(address)) return 'unknown';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
