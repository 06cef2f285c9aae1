import { createReadStream } from 'node:fs';

import { CreateSalesReportDto, ProblemDto, SalesReportDto } from '@minishop/contracts';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser, Scopes } from '../auth/decorators/auth.decorators.js';
import { IgnoresAccept } from '../infrastructure/http/accept.js';
import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { SalesReportService } from './sales-report.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });
const IdParam = () =>
  ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', maxLength: 36 } });

@ApiTags('orders')
@Controller('admin/reports')
@Scopes('orders:manage')
export class ReportsController {
  constructor(private readonly reports: SalesReportService) {}

  @Post('sales')
  @ApiOperation({
    summary: 'Request a CSV export of the orders created in [from, to); a background job writes it',
  })
  @LocatedReply({
    status: 202,
    type: SalesReportDto,
    description: 'Recorded and queued',
    location:
      "The report's state, and once completed its downloadUrl: GET /api/v1/admin/reports/{id}",
    path: (report) => `admin/reports/${report.id}`,
  })
  @ApiBadRequestResponse({
    description: 'Invalid body, or to not after from, or a period over 366 days',
    type: ProblemDto,
  })
  request(
    @Body() body: CreateSalesReportDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<SalesReportDto> {
    return this.reports.request(body, user.id);
  }

  @Get(':id')
  @IdParam()
  @ApiOperation({ summary: 'State of a report export' })
  @ApiOkResponse({ type: SalesReportDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such report', type: ProblemDto })
  get(@Param('id', uuid) id: string): Promise<SalesReportDto> {
    return this.reports.get(id);
  }

  @Get(':id/download')
  @IgnoresAccept()
  @IdParam()
  @ApiOperation({
    summary: 'The report file',
    description:
      'Columns order_id,created_at,status,user_email,items,subtotal,total,currency,amount_refunded; ' +
      'amounts in minor units, items as "SKU x quantity" joined by "; ".',
  })
  @ApiOkResponse({
    description: 'The CSV file',
    content: { 'text/csv': { schema: { type: 'string', maxLength: 1073741824 } } },
  })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such report, or its file is gone', type: ProblemDto })
  @ApiConflictResponse({ description: 'The report is not completed yet', type: ProblemDto })
  async download(@Param('id', uuid) id: string): Promise<StreamableFile> {
    const path = await this.reports.file(id);
    return new StreamableFile(createReadStream(path), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="sales-${id}.csv"`,
    });
  }
}
