import type { Role } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  passwordHash: string;
  /** Counts password changes and resets; tokens issued under an older one are dead. */
  credentialsVersion: number;
  createdAt: Date;
}

export type UserAccess = Pick<UserRecord, 'role' | 'disabled' | 'credentialsVersion'>;

/** `GET /admin/users`: newest first, optionally narrowed. */
export interface UserListQuery {
  limit: number;
  cursor?: string;
  /** Already normalised (normalizeEmail). */
  email?: string;
  /** Text (not a pattern) the e-mail or the name contains, in any case. */
  q?: string;
  role?: Role;
  disabled?: boolean;
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}

/** Port: where accounts are kept. */
export abstract class UserRepository {
  abstract findById(id: string, manager?: EntityManager): Promise<UserRecord | null>;
  /**
   * What every authenticated request checks (role, disabled, credentials
   * version), without the
   * rest of the account: the cheapest read of a user there is.
   */
  abstract findAccess(id: string): Promise<UserAccess | null>;
  abstract findByEmail(email: string, manager?: EntityManager): Promise<UserRecord | null>;
  /** Returns null when the e-mail (case-insensitive) is already taken. */
  abstract create(user: NewUser, manager?: EntityManager): Promise<UserRecord | null>;
  abstract list(query: UserListQuery): Promise<{ items: UserRecord[]; nextCursor: string | null }>;
  /** Returns null when the account is gone or disabled. */
  abstract rename(id: string, name: string): Promise<UserRecord | null>;
  /**
   * The accounts with these ids, their rows locked until the transaction
   * ends, in id order (two such transactions wait, never deadlock). A lock
   * that still lets other transactions insert rows referring to them
   * (refresh tokens issued meanwhile), as an UPDATE's would.
   */
  abstract lockAll(ids: readonly string[], manager: EntityManager): Promise<UserRecord[]>;
  /**
   * Enables or disables the account; with `endSessions`, its credentials
   * version moves on too, so every token and reset link issued before is dead.
   */
  abstract setDisabled(
    id: string,
    change: { disabled: boolean; endSessions: boolean },
    manager: EntityManager,
  ): Promise<UserRecord | null>;
  /**
   * The same password in another hash (an upgrade): sessions and tokens stay
   * valid. Only while the account is at `expectedVersion`, the one whose
   * password was checked: a change or reset committed since is not undone.
   */
  abstract setPasswordHash(
    id: string,
    passwordHash: string,
    expectedVersion: number,
    manager?: EntityManager,
  ): Promise<void>;
  /**
   * A new password: stores its hash and moves the credentials version on, so
   * every token issued before stops working. Returns the new version, or
   * null when the account is gone or no longer at `expectedVersion`.
   */
  abstract replacePassword(
    id: string,
    passwordHash: string,
    manager: EntityManager,
    /** Only while the account is at this version (the password the caller proved is current). */
    expectedVersion?: number,
  ): Promise<{ credentialsVersion: number; email: string } | null>;
}
