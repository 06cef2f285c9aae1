import { ProblemDto, StripeWebhookAckDto } from '@minishop/contracts';
import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { IgnoresAccept } from '../../infrastructure/http/accept.js';
import { StripeWebhookService } from './stripe-webhook.service.js';

@ApiTags('payments')
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post('stripe')
  @HttpCode(200)
  // The signature covers the exact bytes Stripe sent, so this route (and
  // only this one) keeps the raw body beside the parsed JSON. Stripe reads
  // only the status, whatever Accept it sends.
  @IgnoresAccept({ rawBody: true })
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary: 'Stripe webhook endpoint',
    description:
      "Verified with the Stripe-Signature header and STRIPE_WEBHOOK_SECRET. Each event id is applied once; redeliveries are acknowledged. A delivery that arrives while another delivery of the same event is being applied waits for it and is then acknowledged as a duplicate. An event that can never be applied (its object not in Stripe's shape, or naming a charge Stripe does not know) is acknowledged as ignored, the reason recorded with it.",
  })
  // The signature is this route's authentication.
  @ApiSecurity('stripeSignature')
  @ApiOkResponse({ type: StripeWebhookAckDto })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Missing or invalid signature; nothing is stored',
  })
  @ApiConflictResponse({
    type: ProblemDto,
    description:
      'Not applied now, nothing changed, and Stripe delivers it again later: another delivery of the same event is still being applied (PAYMENT.EVENT_IN_PROGRESS), or the order it applies to kept changing while it was prepared, under a burst of other events or requests (PAYMENT.EVENT_BUSY; recorded as failed, the redelivery applies it once)',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait; sent with PAYMENT.EVENT_BUSY',
        schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
      },
    },
  })
  @ApiResponse({
    status: '5XX',
    type: ProblemDto,
    description:
      'The event could not be applied now; it is recorded as failed and Stripe redelivers it',
  })
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<StripeWebhookAckDto> {
    const receipt = await this.webhooks.receive(request.rawBody, signature);
    return { received: true, eventId: receipt.eventId, status: receipt.outcome ?? 'duplicate' };
  }
}
