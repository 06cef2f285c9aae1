import type { EntityManager } from 'typeorm';

export interface NewPasswordResetToken {
  userId: string;
  tokenHash: string;
  /** The account's credentials version now: any password change after it voids the token. */
  credentialsVersion: number;
  expiresAt: Date;
}

export interface PasswordResetTokenRecord {
  id: string;
  userId: string;
  credentialsVersion: number;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Port: password reset tokens, kept only as SHA-256 hashes. */
export abstract class PasswordResetTokenRepository {
  abstract insert(token: NewPasswordResetToken, manager: EntityManager): Promise<void>;
  /** The token, read outside any transaction; null when no such hash. */
  abstract findByHash(tokenHash: string): Promise<PasswordResetTokenRecord | null>;
  /** The same, its row locked until `manager`'s transaction ends. */
  abstract lockByHash(
    tokenHash: string,
    manager: EntityManager,
  ): Promise<PasswordResetTokenRecord | null>;
  abstract markUsed(id: string, now: Date, manager: EntityManager): Promise<void>;
}
