import { assertRoomForCategory, slugify } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { UserRepository } from '../../auth/user.repository.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { CatalogCache } from '../cache/catalog-cache.js';
import { CatalogWriteRepository } from '../persistence/catalog-write.repository.js';
import { DEMO_ACCOUNTS, DEMO_CATEGORIES, type DemoProduct, demoProducts } from './demo-catalog.js';
import { hashDemoPassword } from './seed-password-hasher.js';

export interface SeedReport {
  categories: number;
  productsCreated: number;
  productsTotal: number;
  variantsCreated: number;
  accounts: { email: string; password: string; role: string; created: boolean }[];
}

const BATCH = 20;

/**
 * Loads the demo catalog and two demo accounts. Idempotent: categories and
 * products are upserted by slug, variants by SKU (existing stock is kept),
 * accounts by e-mail.
 */
@Injectable()
export class CatalogSeedService {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogWriteRepository,
    private readonly users: UserRepository,
    private readonly cache: CatalogCache,
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  async seed(onProgress?: (done: number, total: number) => void): Promise<SeedReport> {
    const categoryIds = await this.tx.run((m) => this.seedCategories(m));
    const products = demoProducts();
    let productsCreated = 0;
    let variantsCreated = 0;
    onProgress?.(0, products.length);
    for (let start = 0; start < products.length; start += BATCH) {
      const batch = products.slice(start, start + BATCH);
      const counts = await this.tx.run(async (m) => {
        let p = 0;
        let v = 0;
        for (const product of batch) {
          const made = await this.seedProduct(m, product, categoryIds);
          p += made.product ? 1 : 0;
          v += made.variants;
        }
        return { p, v };
      });
      productsCreated += counts.p;
      variantsCreated += counts.v;
      onProgress?.(Math.min(start + BATCH, products.length), products.length);
    }
    const accounts = [];
    for (const account of DEMO_ACCOUNTS) {
      const created = await this.users.create({
        email: account.email,
        name: account.name,
        role: account.role,
        passwordHash: await hashDemoPassword(account.password),
      });
      accounts.push({ ...account, created: created !== null });
    }
    await this.cache.invalidate();
    return {
      categories: categoryIds.size,
      productsCreated,
      productsTotal: products.length,
      variantsCreated,
      accounts,
    };
  }

  /** For `npm start`: a brand-new database gets the demo catalog, any other is left alone. */
  async seedIfEmpty(): Promise<SeedReport | null> {
    const [row] = (await this.dataSource.query(
      'SELECT EXISTS (SELECT 1 FROM products) AS any',
    )) as {
      any: boolean;
    }[];
    if (row?.any) return null;
    const report = await this.seed();
    this.logger.log(
      `Empty catalog: seeded ${report.categories} categories, ${report.productsCreated} products, ` +
        `${report.variantsCreated} variants`,
    );
    for (const a of report.accounts.filter((x) => x.created)) {
      this.logger.log(`Demo ${a.role}: ${a.email} / ${a.password}`);
    }
    return report;
  }

  private async seedCategories(m: EntityManager): Promise<Map<string, string>> {
    const slugs = DEMO_CATEGORIES.flatMap((top) => [top.name, ...top.children]).map(slugify);
    // Under the lock the admin route counts with: the demo categories not yet
    // there must fit the catalog's limit, all of them, or none is added.
    const count = await this.catalog.lockAndCountCategories(m);
    const existing: unknown[] = await m.query(
      'SELECT 1 FROM categories WHERE slug = ANY($1::text[])',
      [slugs],
    );
    assertRoomForCategory(count, slugs.length - existing.length);
    const ids = new Map<string, string>();
    const upsert = async (name: string, parentId: string | null) => {
      const slug = slugify(name);
      const [row] = (await m.query(
        `INSERT INTO categories (slug, name, parent_id) VALUES ($1, $2, $3)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
        [slug, name, parentId],
      )) as { id: string }[];
      ids.set(slug, row!.id);
      return row!.id;
    };
    for (const top of DEMO_CATEGORIES) {
      const parentId = await upsert(top.name, null);
      for (const child of top.children) await upsert(child, parentId);
    }
    return ids;
  }

  private async seedProduct(
    m: EntityManager,
    product: DemoProduct,
    categoryIds: Map<string, string>,
  ): Promise<{ product: boolean; variants: number }> {
    const [row] = (await m.query(
      `INSERT INTO products (slug, name, description, category_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
       RETURNING id, (xmax = 0) AS inserted`,
      [product.slug, product.name, product.description, categoryIds.get(product.category) ?? null],
    )) as { id: string; inserted: boolean }[];
    let variants = 0;
    for (const v of product.variants) {
      const id = await this.catalog.insertVariant(m, row!.id, {
        sku: v.sku,
        name: v.name,
        price: v.price,
        currency: this.config.storeCurrency,
        onHand: v.stock,
      });
      if (id) {
        variants++;
        if (v.stock > 0) await this.catalog.recordMovement(m, id, v.stock, 'seed', v.stock, null);
      }
    }
    await this.catalog.refreshPriceRange(m, row!.id);
    return { product: row!.inserted, variants };
  }
}
