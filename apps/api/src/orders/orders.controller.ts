import {
  CheckoutRequestDto,
  CheckoutResponseDto,
  OrderDto,
  OrderPageDto,
  PageQueryDto,
  ProblemDto,
} from '@minishop/contracts';
import { MAX_ORDER_TOTAL } from '@minishop/domain';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser, Scopes } from '../auth/decorators/auth.decorators.js';
import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { CheckoutService } from './checkout.service.js';
import { validateIdempotencyKey } from './idempotency.service.js';
import { OrderCancellationService } from './order-cancellation.service.js';
import { ORDER_ID_PARAM } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';

/**
 * The caller's own orders. Customers hold `cart:write orders:read
 * orders:write`: reading their orders needs `orders:read`; cancelling one
 * changes it and answers with it, so it needs `orders:write` as well, and a
 * token narrowed to reading cannot cancel. Checkout spends the cart and
 * answers with the order, so it needs `cart:write orders:read`.
 */
@ApiTags('orders')
@Controller()
export class OrdersController {
  constructor(
    private readonly checkoutService: CheckoutService,
    private readonly queries: OrderQueryService,
    private readonly cancellation: OrderCancellationService,
  ) {}

  @Post('checkout')
  @Scopes('cart:write', 'orders:read')
  @ApiOperation({
    operationId: 'checkout',
    summary: "Turn the caller's cart into an order awaiting payment",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '1..255 characters; a repeat with the same body replays the first reply',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @LocatedReply({
    status: 201,
    type: CheckoutResponseDto,
    location: 'The order: GET /api/v1/orders/{id}. A replay of the key names the same order.',
    path: (reply) => `orders/${reply.order.id}`,
  })
  @ApiBadRequestResponse({
    description: 'Invalid body, or Idempotency-Key missing or invalid',
    type: ProblemDto,
  })
  @ApiServiceUnavailableResponse({
    description: 'The payment provider is unavailable; the order was not kept',
    type: ProblemDto,
  })
  @ApiConflictResponse({
    description: 'Not enough stock, archived product, or the same key still in progress',
    type: ProblemDto,
  })
  @ApiUnprocessableEntityResponse({
    description:
      `Empty cart, a cart totalling more than one payment can be (${MAX_ORDER_TOTAL} minor units) ` +
      "or less than the payment provider's minimum charge, or the key was used with another body",
    type: ProblemDto,
  })
  checkout(
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: CheckoutRequestDto,
  ): Promise<CheckoutResponseDto> {
    return this.checkoutService.checkout(user.id, validateIdempotencyKey(key), body);
  }

  @Get('orders')
  @Scopes('orders:read')
  @ApiOperation({ operationId: 'listOrders', summary: "The caller's orders, newest first" })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiBadRequestResponse({
    description:
      'Invalid limit (type validation), or a cursor the API did not issue (type pagination-invalid-cursor)',
    type: ProblemDto,
  })
  list(@CurrentUser() user: AuthenticatedUser, @Query() page: PageQueryDto): Promise<OrderPageDto> {
    return this.queries.listOwn(user.id, page);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Get('orders/:id')
  @Scopes('orders:read')
  @ApiOperation({
    operationId: 'getOrder',
    summary: 'One of the caller’s orders with lines, totals and history',
  })
  @ApiOkResponse({ type: OrderDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    return this.queries.get(id, user.id);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post('orders/:id/cancel')
  @HttpCode(200)
  @Scopes('orders:read', 'orders:write')
  @ApiOperation({
    operationId: 'cancelOrder',
    summary: 'Cancel an order still awaiting payment; its stock is released',
  })
  @ApiOkResponse({ type: OrderDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ description: 'The order is no longer awaiting payment', type: ProblemDto })
  cancel(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    return this.cancellation.cancel(user.id, id);
  }
}
