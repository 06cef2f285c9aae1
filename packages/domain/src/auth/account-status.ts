import { SelfDisableError } from './auth.errors.js';

/**
 * Staff may disable any account but their own: an admin who disabled
 * themselves would be signed out at once with no way back but the CLI, and
 * the last admin could leave the shop without one.
 */
export function assertMayChangeStatus(actorId: string, accountId: string, disabled: boolean): void {
  if (disabled && actorId === accountId) throw new SelfDisableError();
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
