import { ApiProperty } from '@nestjs/swagger';

import { MoneyDto } from '../common/money.dto.js';

export class StockDto {
  @ApiProperty({ example: 7, description: 'Units that can still be ordered' })
  available!: number;
}

export class VariantDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'MUG-RED-350' })
  sku!: string;

  @ApiProperty({ example: '350 ml' })
  name!: string;

  @ApiProperty({ type: MoneyDto })
  price!: MoneyDto;

  @ApiProperty({ type: StockDto })
  stock!: StockDto;
}

export class CategoryRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty()
  name!: string;
}

export class PriceRangeDto {
  @ApiProperty({ type: MoneyDto })
  min!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  max!: MoneyDto;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'red-mug' })
  slug!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ enum: ['active', 'archived'] })
  status!: 'active' | 'archived';

  @ApiProperty({ type: CategoryRefDto, nullable: true })
  category!: CategoryRefDto | null;

  @ApiProperty({ type: [VariantDto] })
  variants!: VariantDto[];

  @ApiProperty({ type: PriceRangeDto })
  priceRange!: PriceRangeDto;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto] })
  items!: ProductDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page' })
  nextCursor!: string | null;
}

export class CategoryNodeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: () => [CategoryNodeDto] })
  children!: CategoryNodeDto[];
}

export class StockLevelDto {
  @ApiProperty({ format: 'uuid' })
  variantId!: string;

  @ApiProperty()
  onHand!: number;

  @ApiProperty()
  reserved!: number;

  @ApiProperty()
  available!: number;
}
