import { CatalogImportDto, ProblemDto } from '@minishop/contracts';
import { InvalidImportFileError } from '@minishop/domain';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser, Scopes } from '../auth/decorators/auth.decorators.js';
import { csvBody } from '../infrastructure/http/csv-body.js';
import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { CatalogImportService } from './catalog-import.service.js';
import { IMPORT_MAX_BYTES } from './catalog-import-source.js';

const uuid = new ParseUUIDPipe({ version: undefined });
const SCOPES = ['catalog:write'] as const;

@ApiTags('catalog')
@Controller('admin/imports')
@Scopes(...SCOPES)
export class ImportsController {
  constructor(private readonly imports: CatalogImportService) {}

  @Post()
  @RouteConfig(csvBody(SCOPES))
  @ApiOperation({
    summary: 'Upload a catalog CSV file; a background job imports it',
    description:
      'The body is the CSV file itself (Content-Type text/csv), header line ' +
      'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock. ' +
      'Products are upserted by slug, variants by SKU; price is in minor units. ' +
      'Poll GET /admin/imports/{id} for progress and per-line errors.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', maxLength: IMPORT_MAX_BYTES } })
  @LocatedReply({
    status: 202,
    type: CatalogImportDto,
    description: 'Recorded and queued',
    location: "The import's progress and per-line errors: GET /api/v1/admin/imports/{id}",
    path: (job) => `admin/imports/${job.id}`,
  })
  @ApiBadRequestResponse({
    description: 'Empty file, wrong header line, or not UTF-8 text',
    type: ProblemDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'File larger than 16 MiB', type: ProblemDto })
  @ApiUnsupportedMediaTypeResponse({ description: 'Body is not text/csv', type: ProblemDto })
  submit(@Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<CatalogImportDto> {
    if (!Buffer.isBuffer(body)) {
      throw new InvalidImportFileError(
        'Send the file as the request body with Content-Type text/csv',
        [{ field: 'file', message: 'body must be text/csv' }],
      );
    }
    return this.imports.submit(body, user.id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Progress and per-line errors of a catalog import' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', maxLength: 36 } })
  @ApiOkResponse({ type: CatalogImportDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such import', type: ProblemDto })
  get(@Param('id', uuid) id: string): Promise<CatalogImportDto> {
    return this.imports.get(id);
  }
}
