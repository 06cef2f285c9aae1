import { randomBytes, randomUUID } from 'node:crypto';

import type { Role, Scope } from '@minishop/domain';
import { JwtService } from '@nestjs/jwt';

import { AccessTokenService } from '../../src/auth/access-token.service.js';
import type { AccessTokenClaims } from '../../src/auth/authenticated-user.js';
import { UserRepository } from '../../src/auth/user.repository.js';
import type { TestApp } from './test-app.js';

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  accessToken: string;
  /** Headers to send as this user. */
  auth: { Authorization: string };
}

/**
 * Creates an account straight through the repository (no password login
 * possible: the hash is not a real one) and an access token for it. For tests
 * of other features that just need "a signed-in customer/admin".
 */
export async function aUser(t: TestApp, role: Role = 'customer'): Promise<TestUser> {
  const email = `${role}-${randomBytes(5).toString('hex')}@example.test`;
  const user = await t
    .get(UserRepository)
    .create({ email, name: `Test ${role}`, role, passwordHash: '!' });
  if (!user) throw new Error('could not create test user');
  const { accessToken } = t.get(AccessTokenService).issue(user, undefined);
  return {
    id: user.id,
    email,
    role,
    accessToken,
    auth: { Authorization: `Bearer ${accessToken}` },
  };
}

export const aCustomer = (t: TestApp) => aUser(t, 'customer');
export const anAdmin = (t: TestApp) => aUser(t, 'admin');

/**
 * The same user with a genuine, validly signed token that carries only
 * `scopes`, as a token narrowed for a third-party client would.
 */
export function withScopes(t: TestApp, user: TestUser, scopes: readonly Scope[]): TestUser {
  const iat = Math.floor(Date.now() / 1000);
  const claims: AccessTokenClaims = {
    sub: user.id,
    role: user.role,
    scope: scopes.join(' '),
    iat,
    exp: iat + t.config.jwtAccessTtlSeconds,
    jti: randomUUID(),
  };
  const accessToken = t.get(JwtService).sign(claims);
  return { ...user, accessToken, auth: { Authorization: `Bearer ${accessToken}` } };
}

export interface RegisteredUser extends TestUser {
  name: string;
  password: string;
  refreshToken: string;
}

let registrations = 0;

/**
 * Signs a customer up through `POST /auth/register`, as a client would: a
 * real password (so login works) and a real refresh token.
 */
export async function registered(
  t: TestApp,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<RegisteredUser> {
  registrations += 1;
  const email =
    overrides.email ?? `shopper-${registrations}-${randomBytes(5).toString('hex')}@example.test`;
  const password = overrides.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const name = overrides.name ?? `Shopper ${registrations}`;
  const res = await t.http.post('/api/v1/auth/register').send({ email, password, name });
  if (res.status !== 201) {
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const body = res.body as {
    user: { id: string; email: string };
    accessToken: string;
    refreshToken: string;
  };
  return {
    id: body.user.id,
    email: body.user.email,
    role: 'customer',
    name,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { Authorization: `Bearer ${body.accessToken}` },
  };
}
