import type { Role } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  passwordHash: string;
  createdAt: Date;
}

export type UserAccess = Pick<UserRecord, 'role' | 'disabled'>;

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
   * What every authenticated request checks (role, disabled), without the
   * rest of the account: the cheapest read of a user there is.
   */
  abstract findAccess(id: string): Promise<UserAccess | null>;
  abstract findByEmail(email: string, manager?: EntityManager): Promise<UserRecord | null>;
  /** Returns null when the e-mail (case-insensitive) is already taken. */
  abstract create(user: NewUser, manager?: EntityManager): Promise<UserRecord | null>;
  abstract setDisabled(id: string, disabled: boolean, manager?: EntityManager): Promise<void>;
  abstract setPasswordHash(
    id: string,
    passwordHash: string,
    manager?: EntityManager,
  ): Promise<void>;
}
