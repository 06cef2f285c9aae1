import { MAX_CATEGORIES, MAX_VARIANTS_PER_PRODUCT } from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';

import { MoneyDto } from '../common/money.dto.js';
import { MAX_CURSOR_LENGTH, NextCursorProperty } from '../common/pagination.dto.js';

/** A stock figure: whole units, never negative (reserved never exceeds on hand). */
const UNITS = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;

export class StockDto {
  @ApiProperty({
    ...UNITS,
    example: 7,
    description: 'Units that can still be ordered',
  })
  available!: number;
}

export class VariantDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  id!: string;

  @ApiProperty({ example: 'MUG-RED-350', maxLength: 64 })
  sku!: string;

  @ApiProperty({ example: '350 ml', maxLength: 200 })
  name!: string;

  @ApiProperty({ type: MoneyDto })
  price!: MoneyDto;

  @ApiProperty({ type: StockDto })
  stock!: StockDto;
}

export class CategoryRefDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: 'a3e1f0c2-7b6d-4c5e-9f8a-1b2c3d4e5f60' })
  id!: string;

  @ApiProperty({ maxLength: 120, example: 'kitchen' })
  slug!: string;

  @ApiProperty({ maxLength: 200, example: 'Kitchen' })
  name!: string;
}

export class PriceRangeDto {
  @ApiProperty({ type: MoneyDto })
  min!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  max!: MoneyDto;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '6f1c2b7e-3d4a-4f5b-9c8d-1e2f3a4b5c6d' })
  id!: string;

  @ApiProperty({ example: 'red-mug', maxLength: 120 })
  slug!: string;

  @ApiProperty({ maxLength: 200, example: 'Red mug' })
  name!: string;

  @ApiProperty({ maxLength: 5000, example: 'Stoneware mug, dishwasher safe.' })
  description!: string;

  @ApiProperty({ enum: ['active', 'archived'] })
  status!: 'active' | 'archived';

  @ApiProperty({ type: CategoryRefDto, nullable: true })
  category!: CategoryRefDto | null;

  @ApiProperty({ type: [VariantDto], maxItems: MAX_VARIANTS_PER_PRODUCT })
  variants!: VariantDto[];

  @ApiProperty({ type: PriceRangeDto })
  priceRange!: PriceRangeDto;

  @ApiProperty({ format: 'date-time', maxLength: 40, example: '2026-11-25T10:00:00.000Z' })
  createdAt!: string;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto], maxItems: 100 })
  items!: ProductDto[];

  @NextCursorProperty(MAX_CURSOR_LENGTH)
  nextCursor!: string | null;
}

export class CategoryNodeDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: 'a3e1f0c2-7b6d-4c5e-9f8a-1b2c3d4e5f60' })
  id!: string;

  @ApiProperty({ maxLength: 120, example: 'kitchen' })
  slug!: string;

  @ApiProperty({ maxLength: 200, example: 'Kitchen' })
  name!: string;

  @ApiProperty({ type: () => [CategoryNodeDto], maxItems: MAX_CATEGORIES })
  children!: CategoryNodeDto[];
}

export class StockLevelDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  variantId!: string;

  @ApiProperty(UNITS)
  onHand!: number;

  @ApiProperty(UNITS)
  reserved!: number;

  @ApiProperty(UNITS)
  available!: number;
}

/** A variant's stock as staff see it: what is on hand and what open orders hold of it too. */
export class StaffStockDto extends StockDto {
  @ApiProperty({
    ...UNITS,
    description: 'Units on hand',
  })
  onHand!: number;

  @ApiProperty({
    ...UNITS,
    description: 'Units reserved by orders awaiting payment',
  })
  reserved!: number;
}

export class StaffVariantDto extends VariantDto {
  @ApiProperty({ type: StaffStockDto })
  declare stock: StaffStockDto;
}

/** A product as staff see it: archived or not, each variant's stock in full. */
export class StaffProductDto extends ProductDto {
  @ApiProperty({ type: [StaffVariantDto], maxItems: MAX_VARIANTS_PER_PRODUCT })
  declare variants: StaffVariantDto[];
}

export class StaffProductPageDto {
  @ApiProperty({ type: [StaffProductDto], maxItems: 100 })
  items!: StaffProductDto[];

  @NextCursorProperty(MAX_CURSOR_LENGTH)
  nextCursor!: string | null;
}
