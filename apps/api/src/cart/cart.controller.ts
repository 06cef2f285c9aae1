import {
  AddCartItemDto,
  CartDto,
  GuestCartDto,
  MergeCartDto,
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
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { Authenticated, CurrentUser, OptionalAuth } from '../auth/decorators/auth.decorators.js';
import { AddCartItemService } from './add-cart-item.service.js';
import { CallerCart } from './caller-cart.decorator.js';
import { CartMergeService } from './cart-merge.service.js';
import { toCartDto, toGuestCartDto } from './cart-reply.mapper.js';
import type { CartContext } from './cart-resolver.service.js';
import { CartViewService } from './cart-view.service.js';
import { ChangeCartItemService } from './change-cart-item.service.js';
import { CreateGuestCartService } from './create-guest-cart.service.js';

/** Routes that act on "the caller's cart": the user's, or the guest cart of X-Cart-Token. */
function CallerCartRoute(): MethodDecorator {
  return applyDecorators(
    OptionalAuth(),
    ApiHeader({
      name: 'X-Cart-Token',
      required: false,
      description: 'Guest cart token from POST /cart; ignored when signed in',
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
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start a guest cart; keep the returned token as X-Cart-Token' })
  @ApiCreatedResponse({ type: GuestCartDto })
  async create(): Promise<GuestCartDto> {
    return toGuestCartDto(await this.guestCarts.create());
  }

  @Get()
  @CallerCartRoute()
  @ApiOperation({ summary: "The caller's cart at current prices" })
  @ApiOkResponse({ type: CartDto })
  async get(@CallerCart() cart: CartContext): Promise<CartDto> {
    return toCartDto(await this.views.view(cart.cartId));
  }

  @Post('items')
  @CallerCartRoute()
  @ApiOperation({ summary: 'Add a variant (adds to its line if there is one)' })
  @ApiCreatedResponse({ type: CartDto })
  @ApiConflictResponse({
    description: 'Archived, out of stock, not enough stock, or the line would exceed 99',
    type: ProblemDto,
  })
  async add(@CallerCart() cart: CartContext, @Body() body: AddCartItemDto): Promise<CartDto> {
    return toCartDto(await this.adds.add(cart, body.variantId, body.quantity));
  }

  @Patch('items/:lineId')
  @CallerCartRoute()
  @ApiOperation({ summary: "Set a line's quantity; 0 removes it" })
  @ApiOkResponse({ type: CartDto })
  async update(
    @CallerCart() cart: CartContext,
    @Param('lineId') lineId: string,
    @Body() body: UpdateCartItemDto,
  ): Promise<CartDto> {
    return toCartDto(await this.changes.setQuantity(cart, lineId, body.quantity));
  }

  @Delete('items/:lineId')
  @CallerCartRoute()
  @ApiOperation({ summary: 'Remove a line' })
  @ApiOkResponse({ type: CartDto })
  async remove(@CallerCart() cart: CartContext, @Param('lineId') lineId: string): Promise<CartDto> {
    return toCartDto(await this.changes.remove(cart, lineId));
  }

  @Post('merge')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Absorb a guest cart into the signed-in user’s cart' })
  @ApiOkResponse({ type: CartDto })
  @ApiNotFoundResponse({ description: 'No guest cart with this token', type: ProblemDto })
  async merge(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: MergeCartDto,
  ): Promise<CartDto> {
    return toCartDto(await this.merges.merge(user.id, body.cartToken));
  }
}
