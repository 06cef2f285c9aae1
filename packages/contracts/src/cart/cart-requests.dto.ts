import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class AddCartItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  variantId!: string;

  @ApiProperty({
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
  @ApiProperty({ minimum: 0, maximum: 99, example: 2, description: '0 removes the line' })
  @IsInt()
  @Min(0)
  @Max(99)
  quantity!: number;
}

export class MergeCartDto {
  @ApiProperty({ description: 'The guest cart token returned by POST /cart', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  cartToken!: string;
}
