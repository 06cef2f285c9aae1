import { describe, expect, test } from '@jest/globals';

import { assertMayChangeStatus, statusChangeEndsSessions } from './account-status.js';
import { SelfDisableError } from './auth.errors.js';

describe('account status', () => {
  test('an admin may disable and enable other accounts', () => {
    expect(() => assertMayChangeStatus('admin-1', 'customer-1', true)).not.toThrow();
    expect(() => assertMayChangeStatus('admin-1', 'customer-1', false)).not.toThrow();
  });

  test('an admin may not disable their own account', () => {
    expect(() => assertMayChangeStatus('admin-1', 'admin-1', true)).toThrow(SelfDisableError);
  });

  test('enabling their own (already enabled) account is harmless', () => {
    expect(() => assertMayChangeStatus('admin-1', 'admin-1', false)).not.toThrow();
  });

  test('only disabling an enabled account ends its sessions', () => {
    expect(statusChangeEndsSessions(false, true)).toBe(true);
    expect(statusChangeEndsSessions(true, true)).toBe(false);
    expect(statusChangeEndsSessions(true, false)).toBe(false);
    expect(statusChangeEndsSessions(false, false)).toBe(false);
  });
});
