import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

import { describe, expect, test } from '@jest/globals';

import { RequestRateLimit } from './request-rate-limit.js';

const aRequest = () => new IncomingMessage(new Socket());

describe('RequestRateLimit', () => {
  describe('charge', () => {
    test('charges a request once, however often it is asked (front door, then Fastify)', async () => {
      const limit = new RequestRateLimit(2);
      const req = aRequest();
      const first = await limit.charge(req, '198.51.100.1');
      expect(await limit.charge(req, '198.51.100.1')).toBe(first);
      expect(first).toMatchObject({ allowed: true, state: { remainingPoints: 1 } });
      const next = await limit.charge(aRequest(), '198.51.100.1');
      expect(next).toMatchObject({ allowed: true, state: { remainingPoints: 0 } });
    });

    test('a refused request stays refused without drawing on the budget again', async () => {
      const limit = new RequestRateLimit(1);
      await limit.charge(aRequest(), '198.51.100.2');
      const req = aRequest();
      const refused = await limit.charge(req, '198.51.100.2');
      expect(refused.allowed).toBe(false);
      expect(await limit.charge(req, '198.51.100.2')).toBe(refused);
      const after = await limit.charge(aRequest(), '198.51.100.2');
      expect(after.state.consumedPoints).toBe(3);
    });
  });
});
