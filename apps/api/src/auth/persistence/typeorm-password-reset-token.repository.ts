import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  type NewPasswordResetToken,
  type PasswordResetTokenRecord,
  PasswordResetTokenRepository,
} from '../password-reset-token.repository.js';

interface PasswordResetTokenRow {
  id: string;
  user_id: string;
  credentials_version: number;
  expires_at: Date;
  used_at: Date | null;
}

@Injectable()
export class TypeormPasswordResetTokenRepository extends PasswordResetTokenRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async insert(token: NewPasswordResetToken, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO password_reset_tokens (user_id, token_hash, credentials_version, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [token.userId, token.tokenHash, token.credentialsVersion, token.expiresAt],
    );
  }

  findByHash(tokenHash: string): Promise<PasswordResetTokenRecord | null> {
    return this.select(this.dataSource.manager, tokenHash, '');
  }

  lockByHash(tokenHash: string, manager: EntityManager): Promise<PasswordResetTokenRecord | null> {
    return this.select(manager, tokenHash, 'FOR UPDATE');
  }

  private async select(
    manager: EntityManager,
    tokenHash: string,
    lock: '' | 'FOR UPDATE',
  ): Promise<PasswordResetTokenRecord | null> {
    const rows = (await manager.query(
      `SELECT id, user_id, credentials_version, expires_at, used_at
         FROM password_reset_tokens WHERE token_hash = $1 ${lock}`,
      [tokenHash],
    )) as PasswordResetTokenRow[];
    const row = rows[0];
    return row
      ? {
          id: row.id,
          userId: row.user_id,
          credentialsVersion: row.credentials_version,
          expiresAt: row.expires_at,
          usedAt: row.used_at,
        }
      : null;
  }

  async markUsed(id: string, now: Date, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE password_reset_tokens SET used_at = $2 WHERE id = $1', [id, now]);
  }
}
