import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The pg pool under a TypeORM data source of the postgres driver (once initialized). */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
