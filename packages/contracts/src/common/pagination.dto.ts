import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

import { QueryInteger } from './query-integer.js';
import { MaxCodePoints } from './text-length.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/**
 * Room for the longest cursor the API issues: a name-sorted one carries the
 * product name, and a name of 200 characters as class-validator used to
 * count them (a character with its variation selector was one; such names
 * may still be stored) takes up to 1,800 bytes of JSON (escaped control
 * characters), 2,400 once in base64url.
 */
export const MAX_CURSOR_LENGTH = 4096;

/** `?limit=&cursor=` of every list route. Cursors are opaque to clients. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({
    description: "Opaque cursor from the previous page's nextCursor",
    maxLength: MAX_CURSOR_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxCodePoints(MAX_CURSOR_LENGTH)
  cursor?: string;
}

/** The reply shape of every list route; `T` is the item DTO. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * `nextCursor` of a page reply: null on the last page. `maxLength` is the
 * longest cursor the list issues (a name-sorted product list's is the longest).
 */
export const NextCursorProperty = (maxLength = 512): PropertyDecorator =>
  ApiProperty({
    type: String,
    nullable: true,
    maxLength,
    example: null,
    description: 'Pass as ?cursor= for the next page',
  });
