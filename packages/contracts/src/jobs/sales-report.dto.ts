import { ApiProperty } from '@nestjs/swagger';

import { IsDateTimeWithOffset } from '../common/date-time.js';
import { MaxCodePoints } from '../common/text-length.js';

export const REPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export class CreateSalesReportDto {
  @ApiProperty({
    description: 'Orders created at or after this instant (a date-time with `Z` or an offset)',
    format: 'date-time',
    maxLength: 40,
    example: '2026-11-01T00:00:00Z',
  })
  @IsDateTimeWithOffset()
  @MaxCodePoints(40)
  from!: string;

  @ApiProperty({
    description:
      'Orders created before this instant (a date-time with `Z` or an offset; at most 366 days after `from`)',
    format: 'date-time',
    maxLength: 40,
    example: '2026-12-01T00:00:00Z',
  })
  @IsDateTimeWithOffset()
  @MaxCodePoints(40)
  to!: string;
}

/** A sales report export: its state and, once completed, where to download it. */
export class SalesReportDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;

  @ApiProperty({ enum: REPORT_STATUSES })
  status!: ReportStatus;

  @ApiProperty({ format: 'date-time', maxLength: 40 })
  from!: string;

  @ApiProperty({ format: 'date-time', maxLength: 40 })
  to!: string;

  @ApiProperty({
    description: 'Orders in the file; null until it is written',
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2147483647,
    nullable: true,
  })
  rowCount!: number | null;

  @ApiProperty({
    description: 'Path of the CSV file (GET), once status is completed',
    type: 'string',
    maxLength: 200,
    nullable: true,
    example: '/api/v1/admin/reports/4b0c2a46-3f1e-4f57-9d7e-2a3b5c6d7e8f/download',
  })
  downloadUrl!: string | null;

  @ApiProperty({ maxLength: 500, nullable: true, type: 'string' })
  failureReason!: string | null;

  @ApiProperty({ format: 'date-time', maxLength: 40 })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', maxLength: 40, nullable: true, type: 'string' })
  finishedAt!: string | null;
}
