import { ApiProperty } from '@nestjs/swagger';

/** The reply to Stripe: any 2xx tells it to stop redelivering the event. */
export class StripeWebhookAckDto {
  @ApiProperty({ example: true })
  received!: boolean;

  @ApiProperty({ example: 'evt_1PqRsTuVwXyZ0123456789ab', maxLength: 255 })
  eventId!: string;

  @ApiProperty({
    description:
      'What this delivery did: processed, deferred, ignored, or duplicate when an earlier delivery already handled the event',
    enum: ['processed', 'deferred', 'ignored', 'duplicate'],
  })
  status!: 'processed' | 'deferred' | 'ignored' | 'duplicate';
}
