import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class FieldErrorDto {
  @ApiProperty({ example: 'email', maxLength: 200 })
  field!: string;

  @ApiProperty({ example: 'email must be an email', maxLength: 1000 })
  message!: string;
}

/** RFC 9457 problem details, the body of every error reply. */
export class ProblemDto {
  @ApiProperty({
    example: 'https://minishop.dev/problems/validation',
    format: 'uri',
    maxLength: 200,
  })
  type!: string;

  @ApiProperty({ example: 'Validation failed', maxLength: 100 })
  title!: string;

  @ApiProperty({ example: 400, type: 'integer', format: 'int32', minimum: 400, maximum: 599 })
  status!: number;

  @ApiProperty({ example: 'The request body has 1 invalid field', maxLength: 2000 })
  detail!: string;

  @ApiProperty({ example: '/api/v1/auth/register', maxLength: 2048 })
  instance!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], maxItems: 100 })
  errors?: FieldErrorDto[];
}
