import { afterEach, describe, expect, test } from '@jest/globals';
import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AppConfig } from '../src/infrastructure/config/app-config.js';
import { startTestApp, type TestApp } from './support/test-app.js';

@Controller('ip-probe')
class IpProbeController {
  @Get()
  ip(@Req() request: FastifyRequest): { ip: string } {
    return { ip: request.ip };
  }
}

const XFF = '203.0.113.7, 198.51.100.9';

describe('TRUST_PROXY', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const ipSeen = async (env: Record<string, string>) => {
    t = await startTestApp({ env, controllers: [IpProbeController] });
    const res = await t.http.get('/api/v1/ip-probe').set('X-Forwarded-For', XFF).expect(200);
    return (res.body as { ip: string }).ip;
  };

  test('false: X-Forwarded-For is ignored, the peer address counts', async () => {
    expect(await ipSeen({ TRUST_PROXY: 'false' })).toBe('127.0.0.1');
  });

  test('a proxy subnet: the address the trusted local proxy saw (rightmost entry)', async () => {
    expect(await ipSeen({ TRUST_PROXY: '127.0.0.0/8' })).toBe('198.51.100.9');
  });

  test('a proxy address list: hops through listed proxies are skipped', async () => {
    expect(await ipSeen({ TRUST_PROXY: '127.0.0.1,198.51.100.9' })).toBe('203.0.113.7');
  });

  test('with trust off, rotating X-Forwarded-For does not escape the per-IP login limit', async () => {
    t = await startTestApp({
      env: { TRUST_PROXY: 'false', LOGIN_RATE_LIMIT_IP: '3', LOGIN_RATE_LIMIT: '100' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `192.0.2.${i + 1}`)
        .send({ email: `nobody-${i}@example.test`, password: 'wrong-password' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  test('an IPv6 client rotating addresses within its /64 does not escape the per-IP login limit', async () => {
    t = await startTestApp({
      env: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT_IP: '3', LOGIN_RATE_LIMIT: '100' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `2001:db8:77:1::${i + 1}`)
        .send({ email: `nobody-v6-${i}@example.test`, password: 'wrong-password' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  test('default: trusted outside production, not in production; bad values refused', () => {
    expect(AppConfig.fromEnv({ NODE_ENV: 'test' })).toMatchObject({
      trustProxy: true,
      trustProxyIsDefault: true,
    });
    expect(AppConfig.fromEnv({ NODE_ENV: 'test', TRUST_PROXY: 'true' })).toMatchObject({
      trustProxy: true,
      trustProxyIsDefault: false,
    });
    expect(
      AppConfig.fromEnv({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        STRIPE_EMULATOR: 'on',
        STRIPE_WEBHOOK_SECRET: 'whsec_test',
      }).trustProxy,
    ).toBe(false);
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', TRUST_PROXY: 'yes please' })).toThrow(
      /TRUST_PROXY/,
    );
    // Fastify 5 would silently trust no one for a hop count: refused rather than misleading.
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', TRUST_PROXY: '1' })).toThrow(/hop/);
  });
});
