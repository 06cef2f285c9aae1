import { asciiUpperCased } from '@minishop/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString } from 'class-validator';

import { MaxCodePoints, NormalizedText } from '../common/text-length.js';

/** A postal address; `country` is ISO 3166-1 alpha-2 (e.g. "DE"). */
export class AddressDto {
  @ApiProperty({ example: 'Ada Lovelace', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(200)
  name!: string;

  @ApiProperty({ example: '12 Analytical Street', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(200)
  line1!: string;

  @ApiPropertyOptional({ example: 'Flat 3', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxCodePoints(200)
  line2?: string;

  @ApiProperty({ example: 'Berlin', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(100)
  city!: string;

  @ApiProperty({ example: '10115', maxLength: 20 })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(20)
  postalCode!: string;

  @ApiProperty({
    example: 'DE',
    description:
      'ISO 3166-1 alpha-2 country code; sent in any case, stored and returned in upper case',
    minLength: 2,
    maxLength: 2,
  })
  // Codes are upper case by the standard; "de" would otherwise be stored and
  // answered as is, and a client comparing with "DE" would miss it.
  @NormalizedText(2, asciiUpperCased)
  @IsISO31661Alpha2()
  country!: string;
}
