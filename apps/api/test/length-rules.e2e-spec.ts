import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isEmail } from 'class-validator';

import { API, aProductBody } from './support/catalog.js';
import { OPENAPI_FILE } from './support/contract.js';
import { anAddress, checkout } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, registered, type TestUser } from './support/users.js';

/**
 * The length limits the API enforces are the ones the OpenAPI document
 * publishes, counted the same way: JSON Schema counts code points, so an
 * astral emoji is one character and a variation selector (U+FE0F, as in
 * "❤️") is one more. Each case states the verdict, checks that the document
 * gives it (with a JSON Schema validator), then that the API does.
 */

const SMILE = '😀'; // U+1F600: one code point, two UTF-16 units
const HEART = '\u2764\ufe0f'; // two code points, one emoji on screen
const anEmail = () => `len-${randomBytes(5).toString('hex')}@example.test`;

const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('idn-email', (value: string) => isEmail(value));
ajv.addSchema(document, 'openapi.json');

/** Whether the document's schema `name` (components/schemas) allows `body`. */
function documentAllows(name: string, body: unknown): boolean {
  const ref = `openapi.json#/components/schemas/${name}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  return validate(body) as boolean;
}

interface Case {
  what: string;
  value: string;
  allowed: boolean;
}

/** At the limit and one past it, in astral emoji and in emoji with a variation selector. */
function atTheLimit(max: number): Case[] {
  return [
    { what: `${max} astral emoji`, value: SMILE.repeat(max), allowed: true },
    { what: `${max + 1} astral emoji`, value: SMILE.repeat(max + 1), allowed: false },
    ...(max % 2 === 0
      ? [
          {
            what: `${max / 2} ❤️ (${max} code points)`,
            value: HEART.repeat(max / 2),
            allowed: true,
          },
          {
            what: `${max / 2} ❤️ and a letter (${max + 1} code points)`,
            value: HEART.repeat(max / 2) + 'x',
            allowed: false,
          },
        ]
      : []),
    {
      what: `${Math.ceil(max / 2) + 1} ❤️ (${2 * (Math.ceil(max / 2) + 1)} code points)`,
      value: HEART.repeat(Math.ceil(max / 2) + 1),
      allowed: false,
    },
  ];
}

describe('length rules: the API counts characters as the OpenAPI document does', () => {
  let t: TestApp;
  let customer: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_RATE_LIMIT: '10000', LOGIN_RATE_LIMIT_IP: '10000', REDIS_URL: '' },
    });
    customer = await aCustomer(t);
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    // Also checks every reply against the document: an accepted name that
    // broke the reply schema's maxLength would fail here.
    await t?.close();
  });

  describe('POST /auth/register name (maxLength 100)', () => {
    test.each(atTheLimit(100))('$what → allowed: $allowed', async ({ value, allowed }) => {
      const body = { email: anEmail(), password: 'correct horse battery staple', name: value };
      expect(documentAllows('RegisterDto', body)).toBe(allowed);
      const res = await t.http.post(`${API}/auth/register`).send(body);
      expect(res.status).toBe(allowed ? 201 : 400);
      if (allowed) expect(res.body.user.name).toBe(value);
      else expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    });
  });

  /**
   * Trimmed and normalised fields: the limit counts the value as sent (what
   * the document's maxLength describes), then the stored, normalised form is
   * held to it too, so surrounding spaces count and nothing stored is longer.
   */
  describe('POST /auth/register and /auth/login email (maxLength 254, trimmed, NFKC, lower case)', () => {
    /** Exactly `length` code points: a unique local part, then labels of 62 letters and ".test". */
    const anEmailOf = (length: number, local = `len-${randomBytes(5).toString('hex')}`) => {
      const labels = Array.from(
        { length: length - [...local].length - 1 - '.test'.length },
        (_, i) => (i % 63 === 62 ? '.' : 'd'),
      );
      // A dot last would make an empty label: the last label takes it as a letter.
      if (labels.at(-1) === '.') labels[labels.length - 1] = 'd';
      return `${local}@${labels.join('')}.test`;
    };

    test('254 characters → 201, stored as sent (lower case)', async () => {
      const email = anEmailOf(254).toUpperCase();
      const body = { email, password: 'correct horse battery staple', name: 'Ada' };
      expect(documentAllows('RegisterDto', body)).toBe(true);
      const res = await t.http.post(`${API}/auth/register`).send(body).expect(201);
      expect(res.body.user.email).toBe(email.toLowerCase());
    });

    test('254 characters and a space each side (256 as sent) → 400, as the document says', async () => {
      const body = {
        email: ` ${anEmailOf(254)} `,
        password: 'correct horse battery staple',
        name: 'Ada',
      };
      expect(documentAllows('RegisterDto', body)).toBe(false);
      const res = await t.http.post(`${API}/auth/register`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'email' }));
    });

    test('252 characters and a space each side (254 as sent) → 201, stored trimmed', async () => {
      const email = anEmailOf(252);
      const res = await t.http
        .post(`${API}/auth/register`)
        .send({ email: ` ${email} `, password: 'correct horse battery staple', name: 'Ada' })
        .expect(201);
      expect(res.body.user.email).toBe(email);
    });

    test('254 characters whose NFKC form is 255 ("ﬀ" → "ff") → 400: the stored form must fit', async () => {
      const email = anEmailOf(254, `\ufb00${randomBytes(5).toString('hex')}`);
      const body = { email, password: 'correct horse battery staple', name: 'Ada' };
      const res = await t.http.post(`${API}/auth/register`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'email' }));
    });

    test('login: 254 characters and a space each side → 400; within 254 as sent → checked (200)', async () => {
      const u = await registered(t);
      const tooLong = { email: ` ${anEmailOf(254)} `, password: 'whatever it is' };
      expect(documentAllows('LoginDto', tooLong)).toBe(false);
      const refused = await t.http.post(`${API}/auth/login`).send(tooLong);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toContainEqual(expect.objectContaining({ field: 'email' }));
      await t.http
        .post(`${API}/auth/login`)
        .send({ email: `  ${u.email.toUpperCase()}  `, password: u.password })
        .expect(200);
    });
  });

  describe('POST /auth/register name (maxLength 100, trimmed)', () => {
    const register = (name: string) =>
      t.http
        .post(`${API}/auth/register`)
        .send({ email: anEmail(), password: 'correct horse battery staple', name });

    test.each([
      {
        what: '100 letters and a trailing space (101 as sent)',
        value: `${'n'.repeat(100)} `,
        allowed: false,
      },
      { what: '100 emoji and two spaces before', value: `  ${SMILE.repeat(100)}`, allowed: false },
      { what: 'only spaces', value: '   ', allowed: false },
    ])('$what → 400, as the document says', async ({ value, allowed }) => {
      expect(
        documentAllows('RegisterDto', { email: anEmail(), password: 'x'.repeat(12), name: value }),
      ).toBe(allowed);
      const res = await register(value);
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'name' }));
    });

    test('99 letters and a trailing space (100 as sent) → 201, stored as the 99 letters', async () => {
      const value = `${'n'.repeat(99)} `;
      expect(
        documentAllows('RegisterDto', { email: anEmail(), password: 'x'.repeat(12), name: value }),
      ).toBe(true);
      const res = await register(value).expect(201);
      expect(res.body.user.name).toBe('n'.repeat(99));
    });
  });

  describe('POST /auth/register password (minLength 8, maxLength 128)', () => {
    test.each([
      ...atTheLimit(128),
      { what: '8 astral emoji', value: SMILE.repeat(8), allowed: true },
      { what: '7 astral emoji', value: SMILE.repeat(7), allowed: false },
      { what: '4 ❤️ (8 code points)', value: HEART.repeat(4), allowed: true },
    ])('$what → allowed: $allowed', async ({ value, allowed }) => {
      const body = { email: anEmail(), password: value, name: 'Ada' };
      expect(documentAllows('RegisterDto', body)).toBe(allowed);
      const res = await t.http.post(`${API}/auth/register`).send(body);
      expect(res.status).toBe(allowed ? 201 : 400);
      if (allowed) {
        await t.http
          .post(`${API}/auth/login`)
          .send({ email: body.email, password: value })
          .expect(200);
      } else {
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'password' })]);
      }
    });
  });

  describe('POST /auth/login password (maxLength 1024)', () => {
    test.each(atTheLimit(1024))('$what → allowed: $allowed', async ({ value, allowed }) => {
      const u = await registered(t);
      const body = { email: u.email, password: value };
      expect(documentAllows('LoginDto', body)).toBe(allowed);
      // Allowed but wrong: the credentials are checked, 401.
      const res = await t.http.post(`${API}/auth/login`).send(body);
      expect(res.status).toBe(allowed ? 401 : 400);
    });
  });

  describe.each([
    ['name', 200],
    ['line1', 200],
    ['line2', 200],
    ['city', 100],
    ['postalCode', 20],
  ] as const)('POST /checkout shippingAddress.%s (maxLength %i)', (field, max) => {
    test.each(atTheLimit(max))('$what → allowed: $allowed', async ({ value, allowed }) => {
      const shippingAddress = { ...anAddress(), [field]: value };
      expect(documentAllows('AddressDto', shippingAddress)).toBe(allowed);
      // The caller's cart is empty: a valid body gets as far as that (422).
      const res = await checkout(t, customer, `len-${randomBytes(6).toString('hex')}`, {
        shippingAddress,
      });
      expect(res.status).toBe(allowed ? 422 : 400);
      if (!allowed) {
        expect(res.body.errors).toEqual([
          expect.objectContaining({ field: `shippingAddress.${field}` }),
        ]);
      }
    });
  });

  describe('POST /admin/products name (maxLength 200)', () => {
    test.each(atTheLimit(200))('$what → allowed: $allowed', async ({ value, allowed }) => {
      const body = aProductBody({ name: value, slug: `len-${randomBytes(5).toString('hex')}` });
      expect(documentAllows('CreateProductDto', body)).toBe(allowed);
      const res = await t.http.post(`${API}/admin/products`).set(admin.auth).send(body);
      expect(res.status).toBe(allowed ? 201 : 400);
      if (allowed) expect(res.body.name).toBe(value);
    });
  });
});
