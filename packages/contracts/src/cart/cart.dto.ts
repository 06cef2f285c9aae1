import { MAX_CART_LINES } from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';

import { MoneyDto } from '../common/money.dto.js';

export const CART_LINE_ISSUES = ['archived', 'insufficient_stock', 'price_changed'] as const;
export type CartLineIssueDto = (typeof CART_LINE_ISSUES)[number];

export class CartLineDto {
  @ApiProperty({ format: 'uuid', example: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  variantId!: string;

  @ApiProperty({ format: 'uuid', example: '6f1c2b7e-3d4a-4f5b-9c8d-1e2f3a4b5c6d' })
  productId!: string;

  @ApiProperty({ example: 'TEE-BLK-M', maxLength: 64 })
  sku!: string;

  @ApiProperty({
    description: 'Product and variant name, "Product – Variant": up to 200 characters each',
    example: 'Basic tee – Black, M',
    maxLength: 500,
  })
  name!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 99, example: 2 })
  quantity!: number;

  @ApiProperty({ type: MoneyDto, description: 'Current catalog price' })
  unitPrice!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  lineTotal!: MoneyDto;

  @ApiProperty({
    enum: CART_LINE_ISSUES,
    isArray: true,
    maxItems: CART_LINE_ISSUES.length,
    description:
      'archived: no longer sold; insufficient_stock: fewer available than the quantity; price_changed: the price differs from when the line was last changed',
  })
  issues!: CartLineIssueDto[];
}

export class CartDto {
  @ApiProperty({ format: 'uuid', example: 'c0ffee00-1234-4abc-8def-0123456789ab' })
  id!: string;

  @ApiProperty({ type: [CartLineDto], maxItems: MAX_CART_LINES })
  lines!: CartLineDto[];

  @ApiProperty({ type: MoneyDto })
  subtotal!: MoneyDto;

  @ApiProperty({
    description: 'Sum of the line quantities',
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 9900,
    example: 2,
  })
  itemCount!: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })
  updatedAt!: string;
}

export class GuestCartDto {
  @ApiProperty({
    description:
      'Secret identifying this guest cart; send it as X-Cart-Token. Shown once, only its hash is stored.',
    maxLength: 200,
    example: 'mZ3vK8qR1xT0bN5cW7yE2aH4jL6pS9dF0gU3iO8kV1w',
  })
  cartToken!: string;

  @ApiProperty({ type: CartDto })
  cart!: CartDto;
}
