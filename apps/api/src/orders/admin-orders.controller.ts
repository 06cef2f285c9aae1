import {
  AdminOrdersQueryDto,
  OrderDto,
  OrderPageDto,
  ProblemDto,
  RefundRequestDto,
  RefundResponseDto,
} from '@minishop/contracts';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
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
import { validateIdempotencyKey } from './idempotency.service.js';
import { OrderFulfilmentService } from './order-fulfilment.service.js';
import { ORDER_ID_PARAM } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';
import { RefundService } from './refund.service.js';

@ApiTags('orders')
@Scopes('orders:manage')
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(
    private readonly queries: OrderQueryService,
    private readonly fulfilment: OrderFulfilmentService,
    private readonly refunds: RefundService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listAllOrders',
    summary: 'All orders, newest first, optionally by status',
  })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiBadRequestResponse({ description: 'Invalid status, limit or cursor', type: ProblemDto })
  list(@Query() query: AdminOrdersQueryDto): Promise<OrderPageDto> {
    return this.queries.listAll(query);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/fulfil')
  @HttpCode(200)
  @ApiOperation({ operationId: 'fulfilOrder', summary: 'Mark a paid order fulfilled (shipped)' })
  @ApiOkResponse({ type: OrderDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ description: 'The order is not paid', type: ProblemDto })
  fulfil(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    return this.fulfilment.fulfil(id, user.id);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/refund')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'refundOrder',
    summary: 'Refund all or part of a payment; the order status follows when Stripe confirms',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1..255 characters; a repeat with the same body replays the first reply and refunds once',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @ApiAcceptedResponse({ type: RefundResponseDto })
  @ApiBadRequestResponse({
    description: 'Invalid amount, or an invalid Idempotency-Key',
    type: ProblemDto,
  })
  @ApiServiceUnavailableResponse({
    description: 'The payment provider is unavailable',
    type: ProblemDto,
  })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({
    description: 'The order has no payment to refund, or the same key is still in progress',
    type: ProblemDto,
  })
  @ApiUnprocessableEntityResponse({
    description:
      'More than paid and not yet refunded, or the key was used with another order or amount',
    type: ProblemDto,
  })
  refund(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: RefundRequestDto,
  ): Promise<RefundResponseDto> {
    const idempotency =
      key === undefined ? undefined : { userId: user.id, key: validateIdempotencyKey(key) };
    return this.refunds.refund(id, body.amount, idempotency);
  }
}
