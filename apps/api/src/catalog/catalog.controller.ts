import {
  CategoryNodeDto,
  ProblemDto,
  ProductDto,
  ProductPageDto,
  ProductQueryDto,
} from '@minishop/contracts';
import { MAX_CATEGORIES } from '@minishop/domain';
import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AppConfig } from '../infrastructure/config/app-config.js';
import type { CachedRead } from './cache/cached-reads.js';
import { CategoryTreeService } from './category-tree.service.js';
import { CatalogFastPath } from './http/catalog-fast-path.js';
import { sendCached } from './http/send-cached.js';
import { sendMoved } from './http/send-moved.js';
import { ProductListingService } from './product-listing.service.js';
import { ProductLookupService } from './product-lookup.service.js';

/** Public storefront reads. Replies are sent pre-serialised with a strong ETag. */
@ApiTags('catalog')
@ApiExtraModels(CategoryNodeDto)
@ApiResponse({ status: 304, description: 'Not modified: the If-None-Match ETag is current' })
@Controller()
export class CatalogController {
  constructor(
    private readonly listing: ProductListingService,
    private readonly lookup: ProductLookupService,
    private readonly categories: CategoryTreeService,
    private readonly config: AppConfig,
    private readonly fastPath: CatalogFastPath,
  ) {}

  @Get('products')
  @ApiOperation({
    operationId: 'listProducts',
    summary: 'Active products: search, filter by category and price, sort, paginate',
    description:
      '`category` also takes a slug the category had before an admin changed it, and lists the same products as its current slug, unless another category holds that slug now.',
  })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiBadRequestResponse({
    description:
      'Invalid filter, sort or limit (type validation), or a cursor the API did not issue for this sort (type pagination-invalid-cursor)',
    type: ProblemDto,
  })
  async list(
    @Query() query: ProductQueryDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.send(req, reply, await this.listing.page(query, this.fastPath.lookupOf(req)));
  }

  @Get('products/:idOrSlug')
  @ApiOperation({
    operationId: 'getProduct',
    summary: 'One active product by id or slug, with its variants and stock',
    description:
      'A slug the product had before (an admin changed it) answers 308 with the current page in Location, so old links and search-engine entries keep working. The redirect, like a 404, is cached on the server as pages are, and dropped by any catalog write: it always follows the latest rename.',
  })
  @ApiParam({ name: 'idOrSlug', schema: { type: 'string', maxLength: 120 } })
  @ApiOkResponse({ type: ProductDto })
  @ApiResponse({
    status: 308,
    description:
      'Permanent Redirect: the slug is one the product had before an admin changed it. No body; the query string is kept. A slug a product holds now is never redirected, and an archived product is not found under any slug.',
    headers: {
      Location: {
        description: "The product's current page: /api/v1/products/{slug}",
        schema: { type: 'string', format: 'uri-reference', maxLength: 2048 },
      },
    },
  })
  @ApiNotFoundResponse({ type: ProblemDto })
  async one(
    @Param('idOrSlug') idOrSlug: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const found = await this.lookup.published(idOrSlug, this.fastPath.lookupOf(req));
    // A redirect is never remembered by the fast path: it is not a page it can send.
    if ('movedTo' in found) sendMoved(req, reply, `products/${found.movedTo}`);
    else this.send(req, reply, found.page);
  }

  @Get('categories')
  @ApiOperation({
    operationId: 'listCategories',
    summary: 'The category tree',
    description: `The whole tree in one reply: the catalog holds at most ${MAX_CATEGORIES} categories.`,
  })
  @ApiOkResponse({
    schema: {
      type: 'array',
      maxItems: MAX_CATEGORIES,
      items: { $ref: '#/components/schemas/CategoryNodeDto' },
    },
  })
  async tree(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.send(req, reply, await this.categories.tree(this.fastPath.lookupOf(req)));
  }

  private send(req: FastifyRequest, reply: FastifyReply, read: CachedRead): void {
    const maxAge = this.config.catalogListTtlSeconds;
    sendCached(req, reply, read.response, maxAge);
    // Later hits of this URL are answered before the Nest pipeline (see CatalogFastPath).
    this.fastPath.remember(req, read.key, maxAge);
  }
}
