import {
  availableStock,
  type CartVariant,
  isSellable,
  isUuid,
  Money,
  type ProductStatus,
  variantDisplayName,
} from '@minishop/domain';
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
  on_hand: number;
  reserved: number;
  status: ProductStatus;
}

// Prepared: every cart read and write (so every purchase) runs it, often twice.
const FIND_VARIANTS = prepared(
  `SELECT v.id, v.product_id, v.sku, v.name AS variant_name, p.name AS product_name,
          v.price, v.currency, v.on_hand, v.reserved, p.status
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
          name: variantDisplayName(r.product_name, r.variant_name),
          price: Money.of(Number(r.price), r.currency.trim()),
          // The catalog's own rules, so a cart and the catalog never disagree
          // on what can be sold or how much of it there is.
          available: availableStock({ onHand: r.on_hand, reserved: r.reserved }),
          archived: !isSellable(r.status),
        },
      ]),
    );
  }
}
