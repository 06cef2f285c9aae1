import {
  AdminProductQueryDto,
  CategoryNodeDto,
  CreateCategoryDto,
  CreateProductDto,
  CreateVariantDto,
  ProblemDto,
  ProductDto,
  StaffProductDto,
  StaffProductPageDto,
  StockAdjustmentDto,
  StockLevelDto,
  UpdateCategoryDto,
  UpdateProductDto,
  UpdateVariantDto,
  VariantDto,
} from '@minishop/contracts';
import { MAX_CATEGORIES, MAX_VARIANTS_PER_PRODUCT } from '@minishop/domain';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser, Scopes } from '../auth/decorators/auth.decorators.js';
import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { CategoryAdminService } from './category-admin.service.js';
import { ProductAdminService } from './product-admin.service.js';
import { ProductListingService } from './product-listing.service.js';
import { ProductLookupService } from './product-lookup.service.js';
import { VariantAdminService } from './variant-admin.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });
const IdParam = () =>
  ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', maxLength: 36 } });

@ApiTags('catalog')
@Controller('admin')
@Scopes('catalog:write')
@ApiBadRequestResponse({ description: 'Invalid body or id', type: ProblemDto })
@ApiNotFoundResponse({ description: 'No such product, variant or category', type: ProblemDto })
@ApiConflictResponse({
  description: `Slug or SKU taken, a category still in use, the product has ${MAX_VARIANTS_PER_PRODUCT} variants already, or stock would drop below what is reserved`,
  type: ProblemDto,
})
@ApiUnprocessableEntityResponse({
  description: 'A referenced category does not exist',
  type: ProblemDto,
})
export class CatalogAdminController {
  constructor(
    private readonly products: ProductAdminService,
    private readonly variants: VariantAdminService,
    private readonly categories: CategoryAdminService,
    private readonly listing: ProductListingService,
    private readonly lookup: ProductLookupService,
  ) {}

  @Post('products')
  @ApiOperation({ operationId: 'createProduct', summary: 'Create a product with its variants' })
  @LocatedReply({
    status: 201,
    type: ProductDto,
    location: "The product's public page: GET /api/v1/products/{id}",
    path: (product) => `products/${product.id}`,
  })
  create(
    @Body() body: CreateProductDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ProductDto> {
    return this.products.create(body, user.id);
  }

  @Get('products')
  @ApiOperation({
    operationId: 'listAllProducts',
    summary: "Products with the public list's filters, archived ones too, fresh",
  })
  @ApiOkResponse({ type: StaffProductPageDto })
  list(@Query() query: AdminProductQueryDto): Promise<StaffProductPageDto> {
    return this.listing.staffPage(query);
  }

  @Get('products/:id')
  @ApiOperation({
    operationId: 'getAnyProduct',
    summary: 'A product by id, archived or not, fresh from the database',
  })
  @IdParam()
  @ApiOkResponse({ type: StaffProductDto })
  get(@Param('id', uuid) id: string): Promise<StaffProductDto> {
    return this.lookup.forStaff(id);
  }

  @Patch('products/:id')
  @ApiOperation({ operationId: 'updateProduct', summary: 'Change the fields sent, leave the rest' })
  @IdParam()
  @ApiOkResponse({ type: ProductDto })
  update(@Param('id', uuid) id: string, @Body() body: UpdateProductDto): Promise<ProductDto> {
    return this.products.update(id, body);
  }

  @Delete('products/:id')
  @ApiOperation({
    operationId: 'archiveProduct',
    summary: 'Archive a product (kept for order history)',
  })
  @IdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Archived' })
  archive(@Param('id', uuid) id: string): Promise<void> {
    return this.products.archive(id);
  }

  @Post('products/:id/variants')
  @ApiOperation({ operationId: 'createVariant', summary: 'Add a variant to a product' })
  @IdParam()
  @ApiCreatedResponse({ type: VariantDto })
  addVariant(
    @Param('id', uuid) id: string,
    @Body() body: CreateVariantDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<VariantDto> {
    return this.variants.add(id, body, user.id);
  }

  @Patch('variants/:id')
  @ApiOperation({ operationId: 'updateVariant', summary: 'Change a variant (SKU, name, price)' })
  @IdParam()
  @ApiOkResponse({ type: VariantDto })
  updateVariant(
    @Param('id', uuid) id: string,
    @Body() body: UpdateVariantDto,
  ): Promise<VariantDto> {
    return this.variants.update(id, body);
  }

  @Post('variants/:id/stock')
  @ApiOperation({ operationId: 'adjustStock', summary: 'Adjust stock on hand by a signed delta' })
  @IdParam()
  @HttpCode(200)
  @ApiOkResponse({ type: StockLevelDto })
  adjustStock(
    @Param('id', uuid) id: string,
    @Body() body: StockAdjustmentDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StockLevelDto> {
    return this.variants.adjustStock(id, body, user.id);
  }

  @Post('categories')
  @ApiOperation({
    operationId: 'createCategory',
    summary: 'Create a category',
    description: `The catalog holds at most ${MAX_CATEGORIES} categories, so the whole tree fits one reply of \`GET /categories\`.`,
  })
  @ApiCreatedResponse({ type: CategoryNodeDto })
  @ApiConflictResponse({
    description: `Slug taken, or the catalog has ${MAX_CATEGORIES} categories already (type catalog-category-limit)`,
    type: ProblemDto,
  })
  createCategory(@Body() body: CreateCategoryDto): Promise<CategoryNodeDto> {
    return this.categories.create(body);
  }

  @Patch('categories/:id')
  @ApiOperation({
    operationId: 'updateCategory',
    summary: 'Rename, re-slug or move a category; the fields sent change, the rest stay',
    description:
      'parentId null moves it to the top level. A new name keeps the slug; after a new slug, the old one still lists the category (GET /products?category=) until another category takes it. An empty body changes nothing. The reply holds the category alone (children empty): the tree is GET /categories.',
  })
  @IdParam()
  @ApiOkResponse({ type: CategoryNodeDto })
  @ApiUnprocessableEntityResponse({
    description:
      'parentId names no category (type catalog-unknown-category), or the category itself or one of its subcategories (type catalog-category-cycle)',
    type: ProblemDto,
  })
  updateCategory(
    @Param('id', uuid) id: string,
    @Body() body: UpdateCategoryDto,
  ): Promise<CategoryNodeDto> {
    return this.categories.update(id, body);
  }

  @Delete('categories/:id')
  @ApiOperation({
    operationId: 'deleteCategory',
    summary: 'Delete an empty category',
    description:
      'Only a category without subcategories and without products that are not archived (409 catalog-category-in-use otherwise: move them first). Archived products that named it lose the category.',
  })
  @IdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  deleteCategory(@Param('id', uuid) id: string): Promise<void> {
    return this.categories.remove(id);
  }
}
