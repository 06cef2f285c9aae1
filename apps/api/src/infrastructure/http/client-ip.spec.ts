import { describe, expect, test } from '@jest/globals';
import { fastify } from 'fastify';

import { clientIpResolver, rateLimitKey } from './client-ip.js';

/**
 * The front door charges rate-limit budgets by `clientIpResolver`, Fastify's
 * hook by `request.ip`: a client must have one budget, so both must name the
 * same address for every TRUST_PROXY setting and forwarding chain.
 */
describe('clientIpResolver', () => {
  // Over real sockets (the request is from 127.0.0.1): trusted or not
  // depending on the setting, with forwarding chains of every shape.
  const settings: (boolean | string)[] = [
    false,
    true,
    '127.0.0.1',
    '10.0.0.0/8, 127.0.0.1',
    'loopback',
    '192.0.2.1',
  ];
  const chains = [
    undefined,
    '203.0.113.9',
    '198.51.100.1, 10.1.2.3',
    '198.51.100.1, 203.0.113.9',
    'not-an-address',
  ];

  async function addressesSeen(trustProxy: boolean | string, forwarded: string | undefined) {
    const resolve = clientIpResolver(trustProxy);
    const app = fastify({ trustProxy });
    app.get('/', (request) => ({ fastify: request.ip, ours: resolve(request.raw) }));
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fetch(base, {
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      });
      return (await res.json()) as { fastify: string; ours: string };
    } finally {
      await app.close();
    }
  }

  for (const trustProxy of settings) {
    test(`names the address Fastify does with trustProxy ${JSON.stringify(trustProxy)}`, async () => {
      for (const forwarded of chains) {
        const { fastify: expected, ours } = await addressesSeen(trustProxy, forwarded);
        expect(ours).toBe(expected);
      }
    });
  }

  test('believes X-Forwarded-For only from a trusted proxy', async () => {
    expect((await addressesSeen('127.0.0.1', '203.0.113.9')).ours).toBe('203.0.113.9');
    expect((await addressesSeen('192.0.2.1', '203.0.113.9')).ours).toBe('127.0.0.1');
    expect((await addressesSeen(false, '203.0.113.9')).ours).toBe('127.0.0.1');
  });
});

describe('rateLimitKey', () => {
  test('an IPv4 client is its address, also when mapped into IPv6', () => {
    expect(rateLimitKey('203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  test('an IPv6 client is its /64, however the address is written', () => {
    expect(rateLimitKey('2001:db8:a:b::1')).toBe('2001:db8:a:b::/64');
    expect(rateLimitKey('2001:0DB8:000a:000b:ffff:ffff:ffff:ffff')).toBe('2001:db8:a:b::/64');
    expect(rateLimitKey('2001:db8:a:c::1')).not.toBe(rateLimitKey('2001:db8:a:b::1'));
  });

  test('no address, or not an address, is kept as it is', () => {
    expect(rateLimitKey(undefined)).toBe('unknown');
    expect(rateLimitKey('not-an-address')).toBe('not-an-address');
  });
});
