import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

import { PageQueryDto } from '../common/pagination.dto.js';
import { QueryInteger } from '../common/query-integer.js';
import { MaxCodePoints } from '../common/text-length.js';

// A bound to filter by, not a price: any whole amount is a fair bound, and
// a client's "no upper bound" sentinel (or a price stored before the
// highest price was lowered) must not become a 400 when prices change.
const PRICE_FILTER_MAX = Number.MAX_SAFE_INTEGER;

export const PRODUCT_SORTS = ['newest', 'price', '-price', 'name'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

/**
 * Cross-field rule of a price filter: put on both ends so the 400 names
 * `minPrice` and `maxPrice` alike.
 */
function ConsistentPriceRange(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'consistentPriceRange',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(_: unknown, args: ValidationArguments): boolean {
          const { minPrice, maxPrice } = args.object as ProductQueryDto;
          return (
            typeof minPrice !== 'number' || typeof maxPrice !== 'number' || minPrice <= maxPrice
          );
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'minPrice'}: minPrice must not be greater than maxPrice`,
      },
    });
  };
}

/** `GET /products` query: filters, sort and keyset pagination. */
export class ProductQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Full-text search on name and description', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxCodePoints(200)
  q?: string;

  @ApiPropertyOptional({
    description:
      'Category slug, or one it had before; includes its sub-categories. Empty: every category',
    maxLength: 120,
  })
  @IsOptional()
  @IsString()
  @MaxCodePoints(120)
  category?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    description: 'Lowest variant price, minor units',
    minimum: 0,
    maximum: PRICE_FILTER_MAX,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(PRICE_FILTER_MAX)
  @ConsistentPriceRange()
  minPrice?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    description: 'Highest variant price, minor units',
    minimum: 0,
    maximum: PRICE_FILTER_MAX,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(PRICE_FILTER_MAX)
  @ConsistentPriceRange()
  maxPrice?: number;

  @ApiPropertyOptional({ enum: PRODUCT_SORTS, default: 'newest' })
  @IsOptional()
  @IsIn(PRODUCT_SORTS)
  sort: ProductSort = 'newest';
}

export const PRODUCT_STATUSES = ['active', 'archived'] as const;

/** `GET /admin/products` query: the public filters, and archived products too. */
export class AdminProductQueryDto extends ProductQueryDto {
  @ApiPropertyOptional({
    enum: PRODUCT_STATUSES,
    description: 'Only products in this status; absent: active and archived alike',
  })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: (typeof PRODUCT_STATUSES)[number];
}
