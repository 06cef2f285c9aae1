import { MAX_PRICE } from '@minishop/domain';
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
    description: 'Lowest variant price, minor units',
    minimum: 0,
    maximum: MAX_PRICE,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  @ConsistentPriceRange()
  minPrice?: number;

  @ApiPropertyOptional({
    description: 'Highest variant price, minor units',
    minimum: 0,
    maximum: MAX_PRICE,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  @ConsistentPriceRange()
  maxPrice?: number;

  @ApiPropertyOptional({ enum: PRODUCT_SORTS, default: 'newest' })
  @IsOptional()
  @IsIn(PRODUCT_SORTS)
  sort: ProductSort = 'newest';
}
