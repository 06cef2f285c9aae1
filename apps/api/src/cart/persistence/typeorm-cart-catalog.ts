import { type CartVariant, isUuid, Money } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { prepared, runPrepared } from '../../infrastructure/database/prepared-statement.js';
import { CartCatalog } from '../cart-catalog.js';

interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  variant_name: string;
  product_name: string;
  price: string;
  currency: string;
  available: number;
  archived: boolean;
}

// Prepared: every cart read and write (so every purchase) runs it, often twice.
const FIND_VARIANTS = prepared(
  `SELECT v.id, v.product_id, v.sku, v.name AS variant_name, p.name AS product_name,
          v.price, v.currency,
          GREATEST(v.on_hand - v.reserved, 0)::int AS available,
          p.status = 'archived' AS archived
     FROM variants v JOIN products p ON p.id = v.product_id
    WHERE v.id = ANY($1::uuid[])`,
);

/** Reads the catalog tables directly, one query for any number of variants. */
@Injectable()
export class TypeormCartCatalog extends CartCatalog {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async findVariants(
    ids: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, CartVariant>> {
    const wanted = [...new Set(ids)].filter((id) => isUuid(id));
    if (wanted.length === 0) return new Map();
    const { rows } = await runPrepared<VariantRow>(
      manager ?? this.dataSource.manager,
      FIND_VARIANTS,
      [wanted],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          productId: r.product_id,
          sku: r.sku,
          name: `${r.product_name} (${r.variant_name})`,
          price: Money.of(Number(r.price), r.currency.trim()),
          available: r.available,
          archived: r.archived,
        },
      ]),
    );
  }
}
