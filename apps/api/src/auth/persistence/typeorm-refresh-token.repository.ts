import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { prepared, runPrepared } from '../../infrastructure/database/prepared-statement.js';
import {
  type NewRefreshToken,
  type RefreshTokenRecord,
  RefreshTokenRepository,
} from '../refresh-token.repository.js';
import { RefreshTokenOrmEntity } from './refresh-token.orm-entity.js';

interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  session_ends_at: Date | null;
  spent_at: Date | null;
  revoked_at: Date | null;
}

// Prepared: the guard chain runs it for a session not yet known in memory.
// Two index probes, however many rotations the family has had (the second
// on refresh_tokens_revoked_family_idx).
const SESSION_LIVE = prepared(
  `SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1)
      AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL)
      AS live`,
);

const toRecord = (row: RefreshTokenRow): RefreshTokenRecord => ({
  id: row.id,
  familyId: row.family_id,
  userId: row.user_id,
  expiresAt: row.expires_at,
  sessionEndsAt: row.session_ends_at,
  spentAt: row.spent_at,
  revokedAt: row.revoked_at,
});

@Injectable()
export class TypeormRefreshTokenRepository extends RefreshTokenRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async insert(token: NewRefreshToken, manager: EntityManager): Promise<void> {
    await manager.getRepository(RefreshTokenOrmEntity).insert(token);
  }

  async spend(
    tokenHash: string,
    now: Date,
    manager: EntityManager,
  ): Promise<RefreshTokenRecord | null> {
    // A concurrent spender of the same row waits for our commit, then
    // re-checks `spent_at IS NULL`, finds it false and updates nothing:
    // no read-then-write window.
    // A token issued before a password change is dead even where the change's
    // revocation missed it (a sign-in with the old password racing it).
    // A family with any revoked token is dead as a whole. revokeFamily cannot
    // see a token that a refresh racing it commits a moment later, so that
    // token is held back here instead of surviving the revocation.
    const rows = (await manager.query(
      `UPDATE refresh_tokens t SET spent_at = $2
        WHERE t.token_hash = $1 AND t.spent_at IS NULL AND t.revoked_at IS NULL
          AND t.expires_at > $2
          AND NOT EXISTS (SELECT 1 FROM refresh_tokens f
                           WHERE f.family_id = t.family_id AND f.revoked_at IS NOT NULL)
          AND t.credentials_version = (SELECT u.credentials_version FROM users u
                                        WHERE u.id = t.user_id)
        RETURNING t.id, t.family_id, t.user_id, t.expires_at, t.session_ends_at, t.spent_at, t.revoked_at`,
      [tokenHash, now],
    )) as [RefreshTokenRow[], number];
    const row = rows[0]?.[0];
    return row ? toRecord(row) : null;
  }

  async lockByHash(tokenHash: string, manager: EntityManager): Promise<RefreshTokenRecord | null> {
    const rows = (await manager.query(
      `SELECT id, family_id, user_id, expires_at, session_ends_at, spent_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    )) as RefreshTokenRow[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  revokeFamily(familyId: string, now: Date, manager: EntityManager): Promise<void> {
    return revokeWhere('family_id', familyId, now, manager);
  }

  revokeAllOfUser(userId: string, now: Date, manager: EntityManager): Promise<void> {
    return revokeWhere('user_id', userId, now, manager);
  }

  async sessionLive(familyId: string): Promise<boolean> {
    const { rows } = await runPrepared<{ live: boolean | null }>(
      this.dataSource.manager,
      SESSION_LIVE,
      [familyId],
    );
    return rows[0]?.live === true;
  }
}

/**
 * Revokes the tokens of a family or of an account not revoked yet. Rows are
 * locked in id order, whichever: revocations for different tokens (a logout
 * beside a replay, a password change beside either) would otherwise lock
 * them in whatever order their scans meet them, and deadlock.
 */
async function revokeWhere(
  column: 'family_id' | 'user_id',
  value: string,
  now: Date,
  manager: EntityManager,
): Promise<void> {
  await manager.query(
    `UPDATE refresh_tokens SET revoked_at = $2
      WHERE id IN (SELECT id FROM refresh_tokens
                    WHERE ${column} = $1 AND revoked_at IS NULL
                    ORDER BY id FOR UPDATE)
        AND revoked_at IS NULL`,
    [value, now],
  );
}
