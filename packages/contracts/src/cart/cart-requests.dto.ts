import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Max, Min } from 'class-validator';

import { MaxCodePoints } from '../common/text-length.js';

export class AddCartItemDto {
  @ApiProperty({ format: 'uuid', example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  @IsUUID()
  variantId!: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 99,
    example: 1,
    description: 'Added to the line of this variant if there is one; the line may hold 99 at most',
  })
  @IsInt()
  @Min(1)
  @Max(99)
  quantity!: number;
}

export class UpdateCartItemDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 99,
    example: 2,
    description: '0 removes the line',
  })
  @IsInt()
  @Min(0)
  @Max(99)
  quantity!: number;
}

export class MergeCartDto {
  @ApiProperty({
    description: 'The guest cart token returned by POST /cart',
    maxLength: 200,
    example: 'mZ3vK8qR1xT0bN5cW7yE2aH4jL6pS9dF0gU3iO8kV1w',
  })
  @IsString()
  @MaxCodePoints(200)
  cartToken!: string;
}
