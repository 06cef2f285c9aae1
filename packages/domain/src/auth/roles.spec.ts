import { describe, expect, test } from '@jest/globals';

import { hasScopes, isRole, scopesFor } from './roles.js';

describe('roles and scopes', () => {
  test('customers may shop but not manage', () => {
    expect(scopesFor('customer')).toEqual(['cart:write', 'orders:read', 'orders:write']);
    expect(hasScopes(scopesFor('customer'), ['catalog:write'])).toBe(false);
    expect(hasScopes(scopesFor('customer'), ['orders:manage'])).toBe(false);
    expect(hasScopes(scopesFor('customer'), ['users:manage'])).toBe(false);
  });
  test('admins hold every customer scope plus the management ones', () => {
    for (const s of scopesFor('customer')) expect(scopesFor('admin')).toContain(s);
    expect(hasScopes(scopesFor('admin'), ['catalog:write', 'orders:manage', 'users:manage'])).toBe(
      true,
    );
  });
  test('all required scopes must be granted', () => {
    expect(hasScopes(['a', 'b'] as never, ['a', 'c'] as never)).toBe(false);
    expect(hasScopes(['a', 'b'] as never, [])).toBe(true);
  });
  test('recognises roles', () => {
    expect(isRole('admin')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});
