import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { ShutdownState } from '../infrastructure/lifecycle/shutdown-state.js';
import { HealthController } from './health.controller.js';
import { LivenessFrontDoor } from './liveness-front-door.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [LivenessFrontDoor, ShutdownState],
})
export class HealthModule {}
