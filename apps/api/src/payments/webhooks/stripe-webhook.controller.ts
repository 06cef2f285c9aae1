import { ProblemDto, StripeWebhookAckDto } from '@minishop/contracts';
import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { StripeWebhookService } from './stripe-webhook.service.js';

@ApiTags('payments')
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post('stripe')
  @HttpCode(200)
  // The signature covers the exact bytes Stripe sent, so this route (and
  // only this one) keeps the raw body beside the parsed JSON.
  @RouteConfig({ rawBody: true })
  @ApiOperation({
    summary: 'Stripe webhook endpoint',
    description:
      'Verified with the Stripe-Signature header and STRIPE_WEBHOOK_SECRET. Each event id is applied once; redeliveries are acknowledged.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: StripeWebhookAckDto })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Missing or invalid signature; nothing is stored',
  })
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<StripeWebhookAckDto> {
    const receipt = await this.webhooks.receive(request.rawBody, signature);
    return { received: true, eventId: receipt.eventId, status: receipt.outcome ?? 'duplicate' };
  }
}
