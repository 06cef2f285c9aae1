import { describe, expect, test } from '@jest/globals';

import {
  type AccountState,
  assertMayChangeStatus,
  statusChangeEndsSessions,
} from './account-status.js';
import { AccountDisabledError, MissingScopeError, SelfDisableError } from './auth.errors.js';

const admin: AccountState = { id: 'admin-1', role: 'admin', disabled: false };
const customer: AccountState = { id: 'customer-1', role: 'customer', disabled: false };

describe('account status', () => {
  test('an enabled admin may disable and enable other accounts', () => {
    expect(() => assertMayChangeStatus(admin, customer, true)).not.toThrow();
    expect(() => assertMayChangeStatus(admin, customer, false)).not.toThrow();
    const other = { ...admin, id: 'admin-2' };
    expect(() => assertMayChangeStatus(admin, other, true)).not.toThrow();
  });

  test('an admin may not disable their own account', () => {
    expect(() => assertMayChangeStatus(admin, admin, true)).toThrow(SelfDisableError);
  });

  test('enabling their own (already enabled) account is harmless', () => {
    expect(() => assertMayChangeStatus(admin, admin, false)).not.toThrow();
  });

  test('an admin disabled or deleted since their token was issued may change nothing', () => {
    expect(() => assertMayChangeStatus({ ...admin, disabled: true }, customer, true)).toThrow(
      AccountDisabledError,
    );
    expect(() => assertMayChangeStatus(null, customer, false)).toThrow(AccountDisabledError);
  });

  test('an account whose role cannot manage users may change nothing', () => {
    const other = { ...customer, id: 'customer-2' };
    expect(() => assertMayChangeStatus(customer, other, true)).toThrow(MissingScopeError);
  });

  test('only disabling an enabled account ends its sessions', () => {
    expect(statusChangeEndsSessions(false, true)).toBe(true);
    expect(statusChangeEndsSessions(true, true)).toBe(false);
    expect(statusChangeEndsSessions(true, false)).toBe(false);
    expect(statusChangeEndsSessions(false, false)).toBe(false);
  });
});
