import type { IncomingMessage } from 'node:http';

import proxyAddr from '@fastify/proxy-addr';
import ipaddr from 'ipaddr.js';

/** Who a request is from, as Fastify's `request.ip` has it. */
export type ClientIp = (req: IncomingMessage) => string | undefined;

/**
 * The client address of a raw request under TRUST_PROXY, worked out exactly
 * as Fastify does for `request.ip` (same library, same trust rules), for the
 * replies sent before Fastify sees the request: their rate-limit budget must
 * be the one Fastify's hook charges.
 */
export function clientIpResolver(trustProxy: boolean | string): ClientIp {
  if (trustProxy === false) return (req) => req.socket.remoteAddress;
  const trust =
    trustProxy === true
      ? () => true
      : proxyAddr.compile(trustProxy.split(',').map((v) => v.trim()));
  return (req) => {
    const addresses = proxyAddr.all(req, trust);
    return addresses[addresses.length - 1];
  };
}

/**
 * Whom a per-client budget is kept for: an IPv4 address, or an IPv6
 * address's /64. An IPv6 subscriber gets at least a /64 and may send each
 * request from a new address in it: per address, every request would find
 * a fresh budget. An IPv4 address mapped into IPv6 (::ffff:a.b.c.d, as a
 * dual-stack socket reports it) is that IPv4 client.
 */
export function rateLimitKey(ip: string | undefined): string {
  if (ip === undefined || !ipaddr.isValid(ip)) return ip ?? 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${prefix.map((part) => part.toString(16)).join(':')}::/64`;
}
