import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { prepared, runPrepared } from '../../infrastructure/database/prepared-statement.js';
import {
  type NewUser,
  type UserAccess,
  type UserRecord,
  UserRepository,
} from '../user.repository.js';
import { UserOrmEntity } from './user.orm-entity.js';

// Prepared: the guard chain runs it on every authenticated request.
const FIND_ACCESS = prepared(
  'SELECT role, disabled, credentials_version AS "credentialsVersion" FROM users WHERE id = $1',
);

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

  async setDisabled(id: string, disabled: boolean, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { disabled });
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
  ): Promise<number | null> {
    const [rows] = (await manager.query(
      `UPDATE users SET password_hash = $2, credentials_version = credentials_version + 1,
                        updated_at = now()
        WHERE id = $1 AND ($3::int IS NULL OR credentials_version = $3)
        RETURNING credentials_version`,
      [id, passwordHash, expectedVersion ?? null],
    )) as [{ credentials_version: number }[], number];
    return rows[0]?.credentials_version ?? null;
  }
}
