import {
  ORDER_STATUSES,
  type OrderStatus,
  PAYMENT_REVIEW_DECISIONS,
  PAYMENT_REVIEW_OUTCOMES,
  type PaymentReviewDecision,
  type PaymentReviewOutcome,
} from '@minishop/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  ValidateNested,
} from 'class-validator';

import { IfSent } from '../common/if-sent.js';
import { MONEY_SHAPE_MESSAGE, MoneyAmountDto, MoneyDto } from '../common/money.dto.js';
import { NextCursorProperty, PageQueryDto } from '../common/pagination.dto.js';
import { queryBoolean } from '../common/query-boolean.js';
import { NormalizedText, trimmed } from '../common/text-length.js';
import { AddressDto } from './address.dto.js';

/** The order states of the domain's state machine, as the API shows them. */
export const ORDER_STATUS_VALUES = ORDER_STATUSES;
export type OrderStatusValue = OrderStatus;

export class OrderLineDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d' })
  id!: string;

  @ApiProperty({ format: 'uuid', maxLength: 36, example: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
  variantId!: string;

  @ApiProperty({
    description: 'SKU when the order was placed',
    maxLength: 200,
    example: 'MUG-RED-350',
  })
  sku!: string;

  @ApiProperty({
    description: 'Name when the order was placed',
    maxLength: 500,
    example: 'Red mug, 350 ml',
  })
  name!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 99, example: 2 })
  quantity!: number;

  @ApiProperty({ type: MoneyDto, description: 'Unit price when the order was placed' })
  unitPrice!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  lineTotal!: MoneyDto;
}

export class OrderHistoryEntryDto {
  @ApiProperty({
    enum: ORDER_STATUS_VALUES,
    nullable: true,
    type: String,
    example: 'pending_payment',
  })
  from!: OrderStatusValue | null;

  @ApiProperty({ enum: ORDER_STATUS_VALUES, example: 'paid' })
  to!: OrderStatusValue;

  @ApiProperty({ format: 'date-time', maxLength: 40, example: '2026-11-25T10:02:00.000Z' })
  at!: string;

  @ApiProperty({ example: 'payment_intent.succeeded', maxLength: 500 })
  cause!: string;
}

/**
 * Money an order received in another currency than its own (a payment whose
 * intent's currency was changed at the provider, for an order cancelled
 * meanwhile or rejected after review). It is never part of the order's
 * figures, which are all in the order's currency.
 */
export class ForeignPaymentDto {
  @ApiProperty({ type: MoneyDto, description: 'Received from the customer, in its own currency' })
  amountPaid!: MoneyDto;

  @ApiProperty({ type: MoneyDto, description: 'Refunds of it confirmed by the payment provider' })
  amountRefunded!: MoneyDto;

  @ApiProperty({
    type: MoneyDto,
    description:
      'Gone back to the customer outside the shop’s refunds: a chargeback the shop lost, or a settlement outside the shop',
  })
  amountReturnedOutside!: MoneyDto;
}

export class OrderDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f' })
  id!: string;

  @ApiProperty({ enum: ORDER_STATUS_VALUES, example: 'pending_payment' })
  status!: OrderStatusValue;

  @ApiProperty({ type: [OrderLineDto], maxItems: 1000 })
  lines!: OrderLineDto[];

  @ApiProperty({ type: MoneyDto })
  subtotal!: MoneyDto;

  @ApiProperty({ type: MoneyDto })
  total!: MoneyDto;

  @ApiProperty({ type: MoneyDto, description: 'Captured by the payment provider' })
  amountPaid!: MoneyDto;

  @ApiProperty({ type: MoneyDto, description: 'Refunds confirmed by the payment provider' })
  amountRefunded!: MoneyDto;

  @ApiProperty({
    type: MoneyDto,
    description:
      'Paid money that went back to the customer outside the shop’s refunds: a chargeback the shop lost (charge.dispute.closed), or a case an admin settled by hand (POST /admin/orders/{id}/settle-outside). Zero for nearly every order',
  })
  amountReturnedOutside!: MoneyDto;

  @ApiProperty({
    type: ForeignPaymentDto,
    nullable: true,
    description:
      'Null for nearly every order. Set when the order received a payment in another currency than its own (late, after the order was cancelled, or rejected after review): that money is kept apart, in its own currency, refunded and settled in it, and never counted in amountPaid, amountRefunded or amountReturnedOutside',
  })
  foreignPayment!: ForeignPaymentDto | null;

  @ApiProperty({ type: AddressDto })
  shippingAddress!: AddressDto;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 255,
    example: 'pi_3QxY8aLkdIwHu7ix0Ab1Cd2E',
  })
  paymentIntentId!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 500,
    example: null,
    description:
      'Set when a payment did not match the order and a person must look, or as a record of a payment that came after cancellation: paid_after_cancellation, late_payment_refund_refused: <reason>, late_payment_charged_back: <reason>, late_payment_settled_outside',
  })
  reviewReason!: string | null;

  @ApiPropertyOptional({
    enum: PAYMENT_REVIEW_OUTCOMES,
    nullable: true,
    type: String,
    example: null,
    description:
      'Admin replies only: how a payment review was decided. rejected on a cancelled order whose amountRefunded is below amountPaid: the refund of the rejected payment is still owed',
  })
  reviewDecision?: PaymentReviewOutcome | null;

  @ApiProperty({
    format: 'date-time',
    maxLength: 40,
    description: 'Unpaid orders are cancelled after this',
    example: '2026-11-25T10:30:00.000Z',
  })
  reservationExpiresAt!: string;

  @ApiProperty({ format: 'date-time', maxLength: 40, example: '2026-11-25T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: [OrderHistoryEntryDto], maxItems: 1000 })
  history!: OrderHistoryEntryDto[];
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto], maxItems: 100 })
  items!: OrderDto[];

  @NextCursorProperty()
  nextCursor!: string | null;
}

export class AdminOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUS_VALUES })
  @IsOptional()
  @IsIn(ORDER_STATUS_VALUES)
  status?: OrderStatusValue;

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'true: only orders waiting for a person: a payment that did not match its order and waits for a decision (POST /admin/orders/{id}/payment-review), or a cancelled order holding money no refund was asked for (a late payment whose automatic refund Stripe refused, its reviewReason late_payment_refund_refused: <reason>, or whose refund the bank failed), which POST /admin/orders/{id}/refund gives back, unless the money went back outside the shop: a chargeback the shop lost, or a case settled with POST /admin/orders/{id}/settle-outside; false: all others',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  underReview?: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    description: "Only this account's orders (its id, as GET /admin/users gives it)",
  })
  @IsOptional()
  @IsUUID()
  userId?: string;
}

/** The values of PaymentReviewRequestDto.decision. */
export const PAYMENT_REVIEW_DECISION_VALUES = PAYMENT_REVIEW_DECISIONS;
export type PaymentReviewDecisionValue = PaymentReviewDecision;

export class PaymentReviewRequestDto {
  @ApiProperty({
    enum: PAYMENT_REVIEW_DECISION_VALUES,
    example: 'accept',
    description:
      "accept: the payment received counts as the order's (order → paid, stock sold); reject: it is refunded in full through Stripe (order → cancelled, stock released)",
  })
  @IsIn(PAYMENT_REVIEW_DECISION_VALUES)
  decision!: PaymentReviewDecisionValue;
}

export class OutsideSettlementRequestDto {
  @ApiProperty({
    example: 'Refunded by bank transfer on 2026-11-20, ref. 4471',
    minLength: 1,
    maxLength: 500,
    pattern: '\\S',
    description:
      'How the money was settled outside the shop; kept in the order history with the admin. At most 500 characters as sent; stored without surrounding white space',
  })
  @NormalizedText(500, trimmed)
  @IsString()
  @IsNotEmpty()
  note!: string;
}

export class RefundRequestDto {
  @ApiPropertyOptional({
    type: MoneyAmountDto,
    description: 'Absent: refund everything paid and not yet refunded. `null` is refused',
  })
  // Left out means everything: a client sending an empty field as null must
  // get a 400, not a whole refund.
  @IfSent()
  @ValidateNested({ message: MONEY_SHAPE_MESSAGE })
  @Type(() => MoneyAmountDto)
  amount?: MoneyAmountDto;
}

export class RefundDto {
  @ApiProperty({ example: 're_3Nx...', maxLength: 255 })
  id!: string;

  @ApiProperty({ enum: ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] })
  status!: string;

  @ApiProperty({ type: MoneyDto })
  amount!: MoneyDto;
}

export class RefundResponseDto {
  @ApiProperty({
    type: OrderDto,
    description: 'The order as it is now; its status follows when the provider confirms',
  })
  order!: OrderDto;

  @ApiProperty({ type: RefundDto })
  refund!: RefundDto;
}
