import {
  MAX_PRICE,
  MAX_VARIANTS_PER_PRODUCT,
  PRODUCT_STATUSES,
  type ProductStatus,
  SKU_PATTERN,
  skuRule,
  SLUG_PATTERN,
  slugRule,
} from '@minishop/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  NotEquals,
  ValidateNested,
} from 'class-validator';

import { IfSent } from '../common/if-sent.js';
import { MONEY_SHAPE_MESSAGE } from '../common/money.dto.js';
import { CodePointLength, MaxCodePoints, NormalizedText, trimmed } from '../common/text-length.js';

/**
 * A product, variant or category name: 1-200 characters, stored trimmed as
 * an import line's name is, so a blank one is refused whichever way it comes.
 */
const CatalogName = (): PropertyDecorator => (target, key) => {
  NormalizedText(200, trimmed)(target, key);
  CodePointLength(1, 200)(target, key);
};

// The domain's words, which an import file's line is refused with too.
const SKU_MESSAGE = skuRule();
const SLUG_MESSAGE = slugRule();

/** A catalog price: positive minor units. The currency must be the store's. */
export class PriceDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    example: 1299,
    minimum: 1,
    maximum: MAX_PRICE,
    description: 'Integer amount in minor units',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_PRICE)
  amount!: number;

  @ApiProperty({ example: 'EUR', maxLength: 3 })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;
}

export class CreateVariantDto {
  @ApiProperty({ example: 'MUG-RED-350', maxLength: 64 })
  @IsString()
  @Matches(SKU_PATTERN, { message: SKU_MESSAGE })
  sku!: string;

  @ApiProperty({ example: '350 ml', maxLength: 200 })
  @IsString()
  @CatalogName()
  name!: string;

  @ApiProperty({ type: PriceDto })
  @ValidateNested({ message: MONEY_SHAPE_MESSAGE })
  @Type(() => PriceDto)
  price!: PriceDto;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    description: 'Initial units on hand',
    default: 0,
    minimum: 0,
    maximum: 10_000_000,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  stock?: number;
}

export class CreateProductDto {
  @ApiProperty({ example: 'Red mug', maxLength: 200 })
  @IsString()
  @CatalogName()
  name!: string;

  @ApiPropertyOptional({
    description: 'Derived from the name when absent',
    example: 'red-mug',
    maxLength: 120,
  })
  @IsOptional()
  @IsString()
  @MaxCodePoints(120)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxCodePoints(5000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid', maxLength: 36 })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiProperty({ type: [CreateVariantDto], minItems: 1, maxItems: MAX_VARIANTS_PER_PRODUCT })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_VARIANTS_PER_PRODUCT)
  @ValidateNested({ each: true })
  @Type(() => CreateVariantDto)
  variants!: CreateVariantDto[];
}

/** Only the fields sent change; `categoryId: null` detaches the category. */
export class UpdateProductDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IfSent()
  @IsString()
  @CatalogName()
  name?: string;

  @ApiPropertyOptional({
    maxLength: 120,
    description:
      'The old slug keeps leading to the product: GET /products/{old slug} answers 308 to the new one, until another product takes that slug',
  })
  @IfSent()
  @IsString()
  @MaxCodePoints(120)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IfSent()
  @IsString()
  @MaxCodePoints(5000)
  description?: string;

  // type: the union type would be reflected as an object.
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, maxLength: 36 })
  @IsOptional()
  @IsUUID()
  categoryId?: string | null;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES })
  @IfSent()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}

export class UpdateVariantDto {
  @ApiPropertyOptional({ maxLength: 64 })
  @IfSent()
  @IsString()
  @Matches(SKU_PATTERN, { message: SKU_MESSAGE })
  sku?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IfSent()
  @IsString()
  @CatalogName()
  name?: string;

  @ApiPropertyOptional({ type: PriceDto })
  @IfSent()
  @ValidateNested({ message: MONEY_SHAPE_MESSAGE })
  @Type(() => PriceDto)
  price?: PriceDto;
}

export class StockAdjustmentDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: -10_000_000,
    maximum: 10_000_000,
    example: -2,
    description: 'Units to add (positive) or remove (negative)',
  })
  @IsInt()
  @NotEquals(0)
  @Min(-10_000_000)
  @Max(10_000_000)
  delta!: number;

  @ApiProperty({ example: 'stock take', maxLength: 200 })
  @IsString()
  @CodePointLength(1, 200)
  reason!: string;
}

export class CreateCategoryDto {
  @ApiProperty({ example: 'Kitchen', maxLength: 200 })
  @IsString()
  @CatalogName()
  name!: string;

  @ApiPropertyOptional({ example: 'kitchen', maxLength: 120 })
  @IsOptional()
  @IsString()
  @MaxCodePoints(120)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ format: 'uuid', maxLength: 36 })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

/** Body of `PATCH /admin/categories/{id}`: the fields sent change, the rest stay. */
export class UpdateCategoryDto {
  @ApiPropertyOptional({ example: 'Kitchen & dining', maxLength: 200 })
  @IfSent()
  @IsString()
  @CatalogName()
  name?: string;

  @ApiPropertyOptional({
    example: 'kitchen-dining',
    maxLength: 120,
    description:
      'Never derived from a new name. Links with the old slug (GET /products?category=) keep listing the category, until another category takes that slug',
  })
  @IfSent()
  @IsString()
  @MaxCodePoints(120)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    maxLength: 36,
    description: 'The new parent; null moves the category to the top level',
  })
  @IsOptional()
  @IsUUID()
  parentId?: string | null;
}
