import { ApiProperty } from '@nestjs/swagger';

export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** At most this many row errors are kept per import; `failed` still counts them all. */
export const IMPORT_MAX_REPORTED_ERRORS = 1000;

export class ImportRowErrorDto {
  @ApiProperty({
    description: 'Line of the CSV file (the header is line 1)',
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2147483647,
  })
  line!: number;

  @ApiProperty({ example: 'price.amount must be a whole number of minor units', maxLength: 500 })
  message!: string;
}

/** A catalog import: its state and progress, as the worker records it batch by batch. */
export class CatalogImportDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;

  @ApiProperty({ enum: IMPORT_STATUSES })
  status!: ImportStatus;

  @ApiProperty({
    description: 'Data rows in the file; null until the file has been read to the end',
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2147483647,
    nullable: true,
  })
  totalRows!: number | null;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 })
  processed!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 })
  succeeded!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 })
  failed!: number;

  @ApiProperty({
    type: [ImportRowErrorDto],
    maxItems: IMPORT_MAX_REPORTED_ERRORS,
    description: `Rows that were not imported, in file order (the first ${IMPORT_MAX_REPORTED_ERRORS})`,
  })
  errors!: ImportRowErrorDto[];

  @ApiProperty({
    description: 'Why the whole import stopped, when status is failed',
    maxLength: 500,
    nullable: true,
    type: 'string',
  })
  failureReason!: string | null;

  @ApiProperty({ format: 'date-time', maxLength: 40 })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', maxLength: 40, nullable: true, type: 'string' })
  startedAt!: string | null;

  @ApiProperty({ format: 'date-time', maxLength: 40, nullable: true, type: 'string' })
  finishedAt!: string | null;
}
