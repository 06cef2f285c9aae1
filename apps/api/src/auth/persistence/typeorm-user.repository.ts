import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { likePattern } from '../../infrastructure/database/like-pattern.js';
import {
  afterCursor,
  cursorAtColumn,
  type CursorRow,
  newestFirstPage,
} from '../../infrastructure/database/newest-first-cursor.js';
import { prepared, runPrepared } from '../../infrastructure/database/prepared-statement.js';
import {
  type NewUser,
  type UserAccess,
  type UserListQuery,
  type UserRecord,
  UserRepository,
} from '../user.repository.js';
import { UserOrmEntity } from './user.orm-entity.js';

// Prepared: the guard chain runs it on every authenticated request.
const FIND_ACCESS = prepared(
  'SELECT role, disabled, credentials_version AS "credentialsVersion" FROM users WHERE id = $1',
);

/** UserRecord's fields, for the statements written by hand. */
const USER_COLUMNS = `u.id, u.email, u.name, u.role, u.disabled, u.password_hash AS "passwordHash",
  u.credentials_version AS "credentialsVersion", u.created_at AS "createdAt"`;

const withoutCursor = ({ cursor_at: _, ...user }: UserRecord & CursorRow): UserRecord => user;

@Injectable()
export class TypeormUserRepository extends UserRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(UserOrmEntity);
  }

  findById(id: string, manager?: EntityManager): Promise<UserRecord | null> {
    return this.repo(manager).findOneBy({ id });
  }

  async findAccess(id: string): Promise<UserAccess | null> {
    const { rows } = await runPrepared<UserAccess>(this.dataSource.manager, FIND_ACCESS, [id]);
    return rows[0] ?? null;
  }

  findByEmail(email: string, manager?: EntityManager): Promise<UserRecord | null> {
    return this.repo(manager)
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  async create(user: NewUser, manager?: EntityManager): Promise<UserRecord | null> {
    // ON CONFLICT DO NOTHING rather than check-then-insert: two concurrent
    // registrations of one e-mail cannot both pass a check.
    const result = await this.repo(manager)
      .createQueryBuilder()
      .insert()
      .values(user)
      .orIgnore()
      .returning('id')
      .execute();
    const id = (result.raw as { id: string }[])[0]?.id;
    return id ? this.findById(id, manager) : null;
  }

  async list(query: UserListQuery): Promise<{ items: UserRecord[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    // lower(): the form users_email_lower_key indexes.
    if (query.email !== undefined) add((p) => `lower(u.email) = lower(${p})`, query.email);
    // lower() on both sides, not ILIKE: the forms users_email_trgm_idx and
    // users_name_trgm_idx index, so the planner can combine the two.
    if (query.q !== undefined)
      add(
        (p) => `(lower(u.email) LIKE lower(${p}) OR lower(u.name) LIKE lower(${p}))`,
        likePattern(query.q),
      );
    if (query.role !== undefined) add((p) => `u.role = ${p}`, query.role);
    if (query.disabled !== undefined) add((p) => `u.disabled = ${p}`, query.disabled);
    if (query.cursor !== undefined) where.push(afterCursor('users', 'u', query.cursor, params));
    params.push(query.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT ${USER_COLUMNS}, ${cursorAtColumn('u')} FROM users u
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY u.created_at DESC, u.id DESC
        LIMIT $${params.length}`,
      params,
    )) as (UserRecord & CursorRow)[];
    const page = newestFirstPage('users', rows, query.limit);
    return { items: page.rows.map(withoutCursor), nextCursor: page.nextCursor };
  }

  async rename(id: string, name: string): Promise<UserRecord | null> {
    const [rows] = (await this.dataSource.query(
      `UPDATE users u SET name = $2, updated_at = now()
        WHERE u.id = $1 AND NOT u.disabled
        RETURNING ${USER_COLUMNS}`,
      [id, name],
    )) as [UserRecord[], number];
    return rows[0] ?? null;
  }

  async lockAll(ids: readonly string[], manager: EntityManager): Promise<UserRecord[]> {
    // FOR NO KEY UPDATE, not FOR UPDATE: a refresh inserting a token for the
    // account takes FOR KEY SHARE on its row (the foreign key) while holding
    // its token's lock, which revokeAllOfUser then waits for: a deadlock.
    return (await manager.query(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::uuid[])
        ORDER BY u.id FOR NO KEY UPDATE`,
      [ids],
    )) as UserRecord[];
  }

  async setDisabled(
    id: string,
    change: { disabled: boolean; endSessions: boolean },
    manager: EntityManager,
  ): Promise<UserRecord | null> {
    const [rows] = (await manager.query(
      `UPDATE users u SET disabled = $2,
                          credentials_version = credentials_version + $3, updated_at = now()
        WHERE u.id = $1
        RETURNING ${USER_COLUMNS}`,
      [id, change.disabled, change.endSessions ? 1 : 0],
    )) as [UserRecord[], number];
    return rows[0] ?? null;
  }

  async setPasswordHash(
    id: string,
    passwordHash: string,
    expectedVersion: number,
    manager?: EntityManager,
  ): Promise<void> {
    await this.repo(manager).update({ id, credentialsVersion: expectedVersion }, { passwordHash });
  }

  async replacePassword(
    id: string,
    passwordHash: string,
    manager: EntityManager,
    expectedVersion?: number,
  ): Promise<{ credentialsVersion: number; email: string } | null> {
    const [rows] = (await manager.query(
      `UPDATE users SET password_hash = $2, credentials_version = credentials_version + 1,
                        updated_at = now()
        WHERE id = $1 AND ($3::int IS NULL OR credentials_version = $3)
        RETURNING credentials_version AS "credentialsVersion", email`,
      [id, passwordHash, expectedVersion ?? null],
    )) as [{ credentialsVersion: number; email: string }[], number];
    return rows[0] ?? null;
  }
}
