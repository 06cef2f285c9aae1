import { ApiProperty } from '@nestjs/swagger';

import { MoneyDto } from '../common/money.dto.js';

export class StockDto {
  @ApiProperty({ example: 7, description: 'Units that can still be ordered' })
  available!: number;
}

export class VariantDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
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
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;

  @ApiProperty({ maxLength: 120 })
  slug!: string;

  @ApiProperty({ maxLength: 200 })
  name!: string;
}

export class PriceRangeDto {
  @ApiProperty({ type: MoneyDto })
  min!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  max!: MoneyDto;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;

  @ApiProperty({ example: 'red-mug', maxLength: 120 })
  slug!: string;

  @ApiProperty({ maxLength: 200 })
  name!: string;

  @ApiProperty({ maxLength: 5000 })
  description!: string;

  @ApiProperty({ enum: ['active', 'archived'] })
  status!: 'active' | 'archived';

  @ApiProperty({ type: CategoryRefDto, nullable: true })
  category!: CategoryRefDto | null;

  @ApiProperty({ type: [VariantDto], maxItems: 50 })
  variants!: VariantDto[];

  @ApiProperty({ type: PriceRangeDto })
  priceRange!: PriceRangeDto;

  @ApiProperty({ format: 'date-time', maxLength: 40 })
  createdAt!: string;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto], maxItems: 100 })
  items!: ProductDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 512,
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor!: string | null;
}

export class CategoryNodeDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;

  @ApiProperty({ maxLength: 120 })
  slug!: string;

  @ApiProperty({ maxLength: 200 })
  name!: string;

  @ApiProperty({ type: () => [CategoryNodeDto], maxItems: 1000 })
  children!: CategoryNodeDto[];
}

export class StockLevelDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  variantId!: string;

  @ApiProperty()
  onHand!: number;

  @ApiProperty()
  reserved!: number;

  @ApiProperty()
  available!: number;
}
