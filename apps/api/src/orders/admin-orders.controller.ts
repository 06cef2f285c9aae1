import {
  AdminOrdersQueryDto,
  OrderDto,
  OrderPageDto,
  OutsideSettlementRequestDto,
  PaymentReviewRequestDto,
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
import { OutsideSettlementService } from './outside-settlement.service.js';
import { PaymentReviewService } from './payment-review.service.js';
import { RefundService } from './refund.service.js';

@ApiTags('orders')
@Scopes('orders:manage')
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(
    private readonly queries: OrderQueryService,
    private readonly fulfilment: OrderFulfilmentService,
    private readonly refunds: RefundService,
    private readonly reviews: PaymentReviewService,
    private readonly settlements: OutsideSettlementService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listAllOrders',
    summary:
      'All orders, newest first, optionally by status, by customer or waiting for a payment review',
  })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiBadRequestResponse({
    description:
      'Invalid status, underReview, userId or limit (type validation), or a cursor the API did not issue (type pagination-invalid-cursor)',
    type: ProblemDto,
  })
  list(@Query() query: AdminOrdersQueryDto): Promise<OrderPageDto> {
    return this.queries.listAll(query);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Get(':id')
  @ApiOperation({
    operationId: 'getAnyOrder',
    summary: "Any customer's order, as staff see it (with the payment review's decision)",
  })
  @ApiOkResponse({ type: OrderDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param('id') id: string): Promise<OrderDto> {
    return this.queries.getForStaff(id);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/fulfil')
  @HttpCode(200)
  @ApiOperation({ operationId: 'fulfilOrder', summary: 'Mark a paid order fulfilled (shipped)' })
  @ApiOkResponse({ type: OrderDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({
    description:
      'The order is not paid (order-illegal-transition), or some or all of its payment was refunded or asked back (order-partly-refunded, order-refunded-in-full): fulfil before refunding',
    type: ProblemDto,
  })
  fulfil(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    return this.fulfilment.fulfil(id, user.id);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/payment-review')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'resolvePaymentReview',
    summary: 'Accept or reject a payment that did not match its order',
    description:
      "For an order in pending_payment whose reviewReason is set. accept: the amount received becomes the order's payment, the order is paid and its stock sold. reject: the payment is refunded in full through Stripe, the order cancelled and its stock released. Either clears reviewReason and adds a history entry naming the decision, the admin and the reason. The same decision again answers with the order and changes nothing; a rejection the provider could not be reached for stays decided and is finished by rejecting again.",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1..255 characters; a repeat with the same body replays the first reply and moves money once',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @ApiOkResponse({ type: OrderDto })
  @ApiBadRequestResponse({
    description: 'decision missing or not accept/reject, or an invalid Idempotency-Key',
    type: ProblemDto,
  })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({
    description:
      'No payment of the order waits for review, the other decision was taken, or the same key is still in progress',
    type: ProblemDto,
  })
  @ApiUnprocessableEntityResponse({
    description:
      'accept of a payment in another currency than the order, or of nothing received, or the Idempotency-Key was used with another order or decision',
    type: ProblemDto,
  })
  @ApiServiceUnavailableResponse({
    description: 'The payment provider is unavailable; the same request may be sent again',
    type: ProblemDto,
  })
  resolveReview(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: PaymentReviewRequestDto,
  ): Promise<OrderDto> {
    const idempotency =
      key === undefined ? undefined : { userId: user.id, key: validateIdempotencyKey(key) };
    return this.reviews.resolveOnce(id, body.decision, user.id, idempotency);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/settle-outside')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'settleOrderOutside',
    summary: 'Close by hand a cancelled order holding money that cannot go back through the shop',
    description:
      'For a cancelled order that holds money no refund was asked for (a late payment whose automatic refund Stripe refused, a disputed charge say, or whose refund the bank failed), when the case was settled outside the shop: the customer was paid back another way, or agreed otherwise. Everything the order holds counts as returned outside the shop (amountReturnedOutside), reviewReason becomes late_payment_settled_outside, and a history entry (cancelled → cancelled) names the admin, the amount and the note. The order then leaves GET /admin/orders?underReview=true. Nothing is asked of Stripe.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1..255 characters; a repeat with the same body replays the first reply and settles once',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @ApiOkResponse({ type: OrderDto })
  @ApiBadRequestResponse({
    description: 'note missing, blank or too long, or an invalid Idempotency-Key',
    type: ProblemDto,
  })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({
    description:
      'The order holds no money to settle (not cancelled, never paid late, refunded, charged back or settled already), or the same key is still in progress',
    type: ProblemDto,
  })
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key was used with another order or note',
    type: ProblemDto,
  })
  settleOutside(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: OutsideSettlementRequestDto,
  ): Promise<OrderDto> {
    const idempotency =
      key === undefined ? undefined : { userId: user.id, key: validateIdempotencyKey(key) };
    return this.settlements.settleOnce(id, body.note, user.id, idempotency);
  }

  @ApiParam(ORDER_ID_PARAM)
  @Post(':id/refund')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'refundOrder',
    summary: 'Refund all or part of a payment; the order status follows when Stripe confirms',
    description:
      'For paid, fulfilled and partially refunded orders, and for a cancelled order that still holds money (a payment that came after cancellation, or one rejected in payment review, whose refund the bank failed): such an order stays cancelled. Money it holds in another currency than its own (its foreignPayment) is refunded in that currency: with an amount in that currency, or without an amount once the order holds none of its own.',
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
    description:
      'The order has no payment to refund (a cancelled one holds no money not yet refunded), or the same key is still in progress',
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
