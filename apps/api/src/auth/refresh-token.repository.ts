import type { EntityManager } from 'typeorm';

export interface NewRefreshToken {
  familyId: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  /** The end of the token's session (see refresh-session.ts in the domain). */
  sessionEndsAt: Date;
  /** The account's credentials version it is issued under. */
  credentialsVersion: number;
}

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  /** Null for a session started before sessions had an end. */
  sessionEndsAt: Date | null;
  spentAt: Date | null;
  revokedAt: Date | null;
}

/** Port: refresh tokens, kept only as SHA-256 hashes, grouped in families (one per sign-in). */
export abstract class RefreshTokenRepository {
  abstract insert(token: NewRefreshToken, manager: EntityManager): Promise<void>;
  /**
   * Marks the token spent if, and only if, it is still usable (not spent, not
   * revoked, not expired at `now`, no token of its family revoked, and issued
   * under the account's current credentials version), in
   * one conditional UPDATE. Of concurrent
   * callers exactly one gets the record; the others get null.
   */
  abstract spend(
    tokenHash: string,
    now: Date,
    manager: EntityManager,
  ): Promise<RefreshTokenRecord | null>;
  /**
   * The token, its row locked until the transaction ends. Callers revoke its
   * family next: with the presented token's row taken first, everyone
   * revoking because of one token queues on that row instead of locking the
   * family's other rows in different orders (a deadlock).
   */
  abstract lockByHash(
    tokenHash: string,
    manager: EntityManager,
  ): Promise<RefreshTokenRecord | null>;
  /** Revokes every token of the family that is not revoked yet. */
  abstract revokeFamily(familyId: string, now: Date, manager: EntityManager): Promise<void>;
  /** Revokes every token of the account: all its sessions end. */
  abstract revokeAllOfUser(userId: string, now: Date, manager: EntityManager): Promise<void>;
  /**
   * Whether the session (the family) still lives: it has tokens and none is
   * revoked. One whose tokens are all gone (deleted once expired or long
   * revoked) has ended too. An end is for good, a family never comes back.
   */
  abstract sessionLive(familyId: string): Promise<boolean>;
}
