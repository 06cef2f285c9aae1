import {
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  MERGE_CAP_REASONS,
  MERGE_SHORTFALL_REASONS,
  type MergeCapReason,
  type MergeShortfallReason,
} from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';

import { CartDto } from './cart.dto.js';

const CAP_REASONS_DESCRIPTION =
  'line_limit: a line holds at most 99; insufficient_stock: not that many are available';
const DROP_REASONS_DESCRIPTION = `archived: no longer sold; cart_full: the cart holds as many different items as it may; ${CAP_REASONS_DESCRIPTION}`;

export class MergeDroppedLineDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  variantId!: string;

  @ApiProperty({
    description: 'The guest line’s quantity, none of which is in the cart',
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_LINE_QUANTITY,
    example: 2,
  })
  quantity!: number;

  @ApiProperty({ enum: MERGE_SHORTFALL_REASONS, description: DROP_REASONS_DESCRIPTION })
  reason!: MergeShortfallReason;
}

export class MergeCappedLineDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  variantId!: string;

  @ApiProperty({
    description: 'What the account’s line and the guest line held together',
    type: 'integer',
    format: 'int32',
    minimum: 2,
    maximum: 2 * MAX_LINE_QUANTITY,
    example: 120,
  })
  requested!: number;

  @ApiProperty({
    description: 'What the cart’s line of the variant holds now',
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_LINE_QUANTITY,
    example: 99,
  })
  kept!: number;

  @ApiProperty({ enum: MERGE_CAP_REASONS, description: CAP_REASONS_DESCRIPTION })
  reason!: MergeCapReason;
}

export class CartMergeReportDto {
  @ApiProperty({
    type: [MergeDroppedLineDto],
    maxItems: MAX_CART_LINES,
    description:
      'Guest lines of which nothing came over, in the guest cart’s order; the account’s own line of the variant, if any, is as it was',
  })
  dropped!: MergeDroppedLineDto[];

  @ApiProperty({
    type: [MergeCappedLineDto],
    maxItems: MAX_CART_LINES,
    description:
      'Guest lines that came over in part, in the guest cart’s order: the cart’s line holds fewer than the two lines together',
  })
  capped!: MergeCappedLineDto[];
}

/** The account's cart after a merge, with what of the guest cart did not come over in full. */
export class MergedCartDto extends CartDto {
  @ApiProperty({
    type: CartMergeReportDto,
    description:
      'What of the guest cart did not come over in full; both lists are empty when everything did, and on a repeated merge of the same cart',
  })
  merge!: CartMergeReportDto;
}
