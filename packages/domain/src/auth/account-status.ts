import { AccountDisabledError, MissingScopeError, SelfDisableError } from './auth.errors.js';
import type { Role } from './roles.js';
import { scopesFor } from './roles.js';

/** An account as the status rules see it. */
export interface AccountState {
  id: string;
  role: Role;
  disabled: boolean;
}

/**
 * Staff may disable any account but their own: an admin who disabled
 * themselves would be signed out at once with no way back but the CLI, and
 * the last admin could leave the shop without one. The acting admin is
 * judged as they are when the change is made, not when their token was
 * checked: of two admins disabling each other at once, the second finds
 * itself disabled and changes nothing, so the shop keeps an admin.
 */
export function assertMayChangeStatus(
  actor: AccountState | null,
  account: AccountState,
  disabled: boolean,
): void {
  if (!actor || actor.disabled) throw new AccountDisabledError();
  if (!scopesFor(actor.role).includes('users:manage'))
    throw new MissingScopeError(['users:manage']);
  if (disabled && actor.id === account.id) throw new SelfDisableError();
}

/**
 * Disabling ends every session and every reset link the account has: its
 * credentials version moves on. Enabling does not bring them back (a token
 * from before the account was disabled stays dead), so it leaves the
 * version alone, and so does a change to the status the account already has.
 */
export function statusChangeEndsSessions(current: boolean, disabled: boolean): boolean {
  return disabled && !current;
}
