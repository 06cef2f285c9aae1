import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { withAdvisoryLockIfFree } from '../../infrastructure/database/advisory-lock.js';
import { CatchUpSweepRepository } from './catch-up-sweep.repository.js';

// Arbitrary constant: the advisory lock a catch-up run holds while at work.
export const CATCH_UP_LOCK = 7_305_003;

@Injectable()
export class TypeOrmCatchUpSweepRepository extends CatchUpSweepRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  exclusively<T>(work: () => Promise<T>): Promise<T | null> {
    return withAdvisoryLockIfFree(this.dataSource, CATCH_UP_LOCK, work);
  }

  async resumeAfter(): Promise<string | null> {
    const [row] = (await this.dataSource.query(
      'SELECT resume_after FROM payment_catch_up_sweep',
    )) as { resume_after: string | null }[];
    return row?.resume_after ?? null;
  }

  async saveResumeAfter(eventId: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO payment_catch_up_sweep (resume_after) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET resume_after = excluded.resume_after, updated_at = now()`,
      [eventId],
    );
  }
}
