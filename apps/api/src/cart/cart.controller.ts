import {
  AddCartItemDto,
  CartDto,
  GuestCartDto,
  MergeCartDto,
  MergedCartDto,
  ProblemDto,
  UpdateCartItemDto,
} from '@minishop/contracts';
import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser, OptionalAuth, Scopes } from '../auth/decorators/auth.decorators.js';
import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { AddCartItemService } from './add-cart-item.service.js';
import { CartCallerParam } from './caller-cart.decorator.js';
import { CartMergeService } from './cart-merge.service.js';
import { toCartDto, toGuestCartDto, toMergedCartDto } from './cart-reply.mapper.js';
import { type CartCaller, CartResolver } from './cart-resolver.service.js';
import { CartViewService } from './cart-view.service.js';
import { ChangeCartItemService } from './change-cart-item.service.js';
import { CreateGuestCartService } from './create-guest-cart.service.js';

/**
 * Routes that act on "the caller's cart": the user's, or the guest cart of
 * X-Cart-Token. A signed-in caller needs `cart:write`, the one cart scope,
 * for reading the cart too. Their handlers resolve the cart first thing, once
 * the body has passed validation: a refused body must not have made the
 * user's cart.
 */
function CallerCartRoute(): MethodDecorator {
  return applyDecorators(
    OptionalAuth('cart:write'),
    ApiHeader({
      name: 'X-Cart-Token',
      required: false,
      description: 'Guest cart token from POST /cart; ignored when signed in',
      schema: { type: 'string', maxLength: 200 },
    }),
    ApiNotFoundResponse({
      description:
        'Guest without a token, or with an unknown, malformed or closed token; or a line not in this cart',
      type: ProblemDto,
    }),
  );
}

@ApiTags('cart')
@Controller('cart')
export class CartController {
  constructor(
    private readonly guestCarts: CreateGuestCartService,
    private readonly views: CartViewService,
    private readonly adds: AddCartItemService,
    private readonly changes: ChangeCartItemService,
    private readonly merges: CartMergeService,
    private readonly callers: CartResolver,
  ) {}

  @Post()
  // Anyone may start a cart: that is how a guest gets one.
  @ApiSecurity({})
  @ApiOperation({
    operationId: 'createCart',
    summary: 'Start a guest cart; keep the returned token as X-Cart-Token',
  })
  @LocatedReply({
    status: 201,
    type: GuestCartDto,
    location: 'The cart: GET /api/v1/cart with the returned token as X-Cart-Token',
    path: () => 'cart',
  })
  async create(): Promise<GuestCartDto> {
    return toGuestCartDto(await this.guestCarts.create());
  }

  @Get()
  @CallerCartRoute()
  @ApiOperation({
    operationId: 'getCart',
    summary: "The caller's cart at current prices",
    description:
      'Never the lines of a cart that a checkout or merge has closed: a user whose cart was just checked out gets their new, empty cart.',
  })
  @ApiOkResponse({ type: CartDto })
  async get(@CartCallerParam() caller: CartCaller): Promise<CartDto> {
    const cart = await this.callers.resolve(caller);
    return toCartDto(await this.views.current(cart));
  }

  @Post('items')
  @CallerCartRoute()
  @ApiOperation({
    operationId: 'addCartItem',
    summary: 'Add a variant (adds to its line if there is one)',
  })
  @ApiCreatedResponse({ type: CartDto })
  @ApiBadRequestResponse({ description: 'Invalid body', type: ProblemDto })
  @ApiConflictResponse({
    description:
      'Archived, out of stock, not enough stock, the line would exceed 99, the cart is full or closed',
    type: ProblemDto,
  })
  async add(@CartCallerParam() caller: CartCaller, @Body() body: AddCartItemDto): Promise<CartDto> {
    const cart = await this.callers.resolve(caller);
    return toCartDto(await this.adds.add(cart, body.variantId, body.quantity));
  }

  @Patch('items/:lineId')
  @CallerCartRoute()
  @ApiOperation({ operationId: 'updateCartItem', summary: "Set a line's quantity; 0 removes it" })
  @ApiParam({ name: 'lineId', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: CartDto })
  @ApiBadRequestResponse({ description: 'Invalid body', type: ProblemDto })
  @ApiConflictResponse({
    description: 'Archived, not enough stock, or the cart is closed',
    type: ProblemDto,
  })
  async update(
    @CartCallerParam() caller: CartCaller,
    @Param('lineId') lineId: string,
    @Body() body: UpdateCartItemDto,
  ): Promise<CartDto> {
    const cart = await this.callers.resolve(caller);
    return toCartDto(await this.changes.setQuantity(cart, lineId, body.quantity));
  }

  @Delete('items/:lineId')
  @CallerCartRoute()
  @ApiOperation({ operationId: 'removeCartItem', summary: 'Remove a line' })
  @ApiParam({ name: 'lineId', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: CartDto })
  @ApiConflictResponse({ description: 'The cart is closed', type: ProblemDto })
  async remove(
    @CartCallerParam() caller: CartCaller,
    @Param('lineId') lineId: string,
  ): Promise<CartDto> {
    const cart = await this.callers.resolve(caller);
    return toCartDto(await this.changes.remove(cart, lineId));
  }

  @Post('merge')
  @HttpCode(200)
  @Scopes('cart:write')
  @ApiOperation({
    operationId: 'mergeCart',
    summary: 'Absorb a guest cart into the signed-in user’s cart',
    description:
      'Replies with the user’s cart and, in `merge`, the guest lines that did not come over in full: dropped (none of it) or capped (part of it), each with the reason. Merged lines keep `price_changed` when either line was added at a price that is no longer the current one.',
  })
  @ApiOkResponse({ type: MergedCartDto })
  @ApiBadRequestResponse({ description: 'Invalid body', type: ProblemDto })
  @ApiNotFoundResponse({
    description: 'No guest cart with this token, or it expired',
    type: ProblemDto,
  })
  @ApiConflictResponse({
    description: 'The cart is closed by a concurrent checkout',
    type: ProblemDto,
  })
  async merge(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: MergeCartDto,
  ): Promise<MergedCartDto> {
    return toMergedCartDto(await this.merges.merge(user.id, body.cartToken));
  }
}
