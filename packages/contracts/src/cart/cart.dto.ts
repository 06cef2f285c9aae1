import { MAX_CART_LINES } from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';

import { MoneyDto } from '../common/money.dto.js';

export const CART_LINE_ISSUES = ['archived', 'insufficient_stock', 'price_changed'] as const;
export type CartLineIssueDto = (typeof CART_LINE_ISSUES)[number];

export class CartLineDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  variantId!: string;

  @ApiProperty({ format: 'uuid' })
  productId!: string;

  @ApiProperty({ example: 'TEE-BLK-M', maxLength: 64 })
  sku!: string;

  @ApiProperty({ example: 'Black, M', maxLength: 200 })
  name!: string;

  @ApiProperty({ minimum: 1, maximum: 99 })
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
  @ApiProperty({ format: 'uuid' })
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
  })
  itemCount!: number;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class GuestCartDto {
  @ApiProperty({
    description:
      'Secret identifying this guest cart; send it as X-Cart-Token. Shown once, only its hash is stored.',
    maxLength: 200,
  })
  cartToken!: string;

  @ApiProperty({ type: CartDto })
  cart!: CartDto;
}
