import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, ValidateNested } from 'class-validator';

import { AddressDto } from './address.dto.js';
import { OrderDto } from './order.dto.js';

/** Header of `POST /checkout`: the same key with the same body replays the first reply. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export class CheckoutRequestDto {
  @ApiProperty({ type: AddressDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => AddressDto)
  shippingAddress!: AddressDto;
}

export class CheckoutPaymentDto {
  @ApiProperty({ enum: ['stripe'], example: 'stripe' })
  provider!: 'stripe';

  @ApiProperty({ example: 'pi_3QxY8aLkdIwHu7ix0Ab1Cd2E', maxLength: 255 })
  paymentIntentId!: string;

  @ApiProperty({
    description: 'Handed to Stripe.js to confirm the payment in the browser',
    example: 'pi_3QxY8aLkdIwHu7ix0Ab1Cd2E_secret_9fK2mLq',
    maxLength: 500,
  })
  clientSecret!: string;
}

export class CheckoutResponseDto {
  @ApiProperty({ type: OrderDto })
  order!: OrderDto;

  @ApiProperty({ type: CheckoutPaymentDto })
  payment!: CheckoutPaymentDto;
}
