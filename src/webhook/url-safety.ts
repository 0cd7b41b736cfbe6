import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The longest URL an endpoint may have. */
export const maxWebhookUrlLength = 2048;

/** Why a URL or an address is refused: said to the API's caller, and recorded as a delivery's lastError. */
export class UnsafeWebhookUrl extends Error {}

/** An address a host resolved to, as dns.lookup gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** How a host is resolved: dns.lookup with `all` (every address, as the connection would try them); replaceable in tests. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));

/**
 * The form of a webhook URL: absolute, http or https, at most 2 048 characters, no user name or
 * password (they would travel in every delivery and be shown in the API), no fragment.
 */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > maxWebhookUrlLength) throw new UnsafeWebhookUrl(`A webhook URL has at most ${maxWebhookUrlLength} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrl('A webhook URL is an absolute http:// or https:// URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeWebhookUrl('A webhook URL is an absolute http:// or https:// URL.');
  if (url.username || url.password) throw new UnsafeWebhookUrl('A webhook URL carries no user name or password: authenticate the deliveries by their signature.');
  if (url.hash) throw new UnsafeWebhookUrl('A webhook URL has no #fragment.');
  if (!url.hostname) throw new UnsafeWebhookUrl('A webhook URL names a host.');
  return url;
}

/**
 * Why an address may not receive deliveries, or undefined when it may: anything but a public
 * unicast address — loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the cloud
 * metadata service at 169.254.169.254, fe80::/10), CGNAT (100.64/10), unspecified, broadcast,
 * multicast, reserved. An IPv6 address that embeds an IPv4 one (::ffff:a.b.c.d, NAT64's
 * 64:ff9b::/96) is judged by it, lest ::ffff:127.0.0.1 reach loopback.
 */
export function forbiddenAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const range = v6.range();
    if (range === 'ipv4Mapped') parsed = v6.toIPv4Address();
    else if (range === 'rfc6052' || range === 'rfc6145') parsed = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const names: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private address',
    uniqueLocal: 'a private address',
    linkLocal: parsed.toString() === '169.254.169.254' ? 'the cloud metadata address' : 'a link-local address',
    carrierGradeNat: 'a shared (CGNAT) address',
    unspecified: 'the unspecified address',
  };
  return names[range] ?? `a ${range} address`;
}

/**
 * The addresses a delivery to `url` may connect to: its IP literal, or every address its host
 * resolves to — all must be allowed, since the connection may take any of them. Throws
 * UnsafeWebhookUrl naming the refused address, or saying the host does not resolve.
 */
export async function resolveWebhookTarget(url: URL, allowPrivateNetworks: boolean, resolve: Resolver = systemResolver): Promise<ResolvedAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new UnsafeWebhookUrl(`The host ${host} does not resolve (${(error as { code?: string }).code ?? 'DNS error'}).`);
    }
    if (addresses.length === 0) throw new UnsafeWebhookUrl(`The host ${host} does not resolve.`);
  }
  if (allowPrivateNetworks) return addresses;
  for (const { address } of addresses) {
    const reason = forbiddenAddress(address);
    if (reason) {
      throw new UnsafeWebhookUrl(
        `The host ${host} ${host === address ? 'is' : `resolves to ${address},`} ${reason}: webhooks are delivered to public addresses only (WEBHOOK_ALLOW_PRIVATE_NETWORKS).`,
      );
    }
  }
  return addresses;
}
