import type { IncomingMessage } from 'node:http';

import proxyAddr from '@fastify/proxy-addr';

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
