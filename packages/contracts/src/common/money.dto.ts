import { MAX_ORDER_TOTAL } from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Matches, Max, Min, type ValidationArguments } from 'class-validator';

/** An integer amount in minor units, up to `maximum`. */
const amount = (maximum: number) =>
  ({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum,
    example: 1299,
    description: 'Integer amount in minor units (cents)',
  }) as const;
const CURRENCY = { example: 'EUR', description: 'ISO 4217 currency code', maxLength: 3 } as const;

/** Money on the wire: integer minor units and an ISO currency, never a float. */
export class MoneyDto {
  // A cart's subtotal may add up to more than one payment can be.
  @ApiProperty(amount(Number.MAX_SAFE_INTEGER))
  amount!: number;

  @ApiProperty(CURRENCY)
  currency!: string;
}

/**
 * Money a client sends (a refund's amount): no more than one order, so one
 * payment, can be, and documented so, where a reply's money (MoneyDto) may
 * be a cart's larger subtotal.
 */
export class MoneyAmountDto {
  @ApiProperty(amount(MAX_ORDER_TOTAL))
  @IsInt()
  @Min(0)
  @Max(MAX_ORDER_TOTAL)
  amount!: number;

  @ApiProperty(CURRENCY)
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;
}

/**
 * What a Money field that is not an object (a bare `1299`) is told, instead
 * of class-validator's "nested property ... must be either object or array".
 */
export const MONEY_SHAPE_MESSAGE = (args: ValidationArguments): string =>
  `${args.property} must be an object such as { "amount": 1299, "currency": "EUR" }`;
