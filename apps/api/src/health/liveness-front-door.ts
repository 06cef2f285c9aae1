import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { PRIVATE_CACHE_CONTROL } from '../infrastructure/http/cache-control.js';
import { FrontDoor, type FrontDoorReply } from '../infrastructure/http/front-door.js';
import { ALIVE } from './liveness.js';

const PATH = '/health/live';
const BODY = Buffer.from(JSON.stringify(ALIVE));

/**
 * Answers `GET /health/live` at the HTTP server's front door. A probe that
 * gets there has shown what liveness asks (the process is up and turns its
 * event loop), and orchestrators probe every few seconds on every instance,
 * so it should cost next to nothing. The controller still answers it when
 * the front door steps aside (shutting down) and documents it.
 */
@Injectable()
export class LivenessFrontDoor implements OnApplicationBootstrap {
  private readonly reply: FrontDoorReply = {
    route: PATH,
    status: 200,
    // As Fastify sends the controller's reply.
    headers: [
      'Content-Type',
      'application/json; charset=utf-8',
      'Content-Length',
      String(BODY.length),
      // A probe's answer is of the moment, like every reply but the catalog's.
      ...PRIVATE_CACHE_CONTROL,
    ],
    body: BODY,
  };

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    FrontDoor.ofApp(this.adapterHost)?.answer((req) => (req.url === PATH ? this.reply : undefined));
  }
}
