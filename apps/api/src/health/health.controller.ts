import { ProblemDto } from '@minishop/contracts';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';

import { IgnoresAccept } from '../infrastructure/http/accept.js';
import { ShutdownState } from '../infrastructure/lifecycle/shutdown-state.js';
import { ALIVE } from './liveness.js';

const PING_TIMEOUT_MS = 1500;
// Readiness is exempt from the rate limit (balancers must never be refused),
// so a flood of it must not become a flood of database pings: probes within
// this long of a check share its result, and concurrent ones its run. An
// outage still shows within this long (plus the ping's own time).
export const CHECK_REUSE_MS = 1000;

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  // Probes read the status alone, whatever Accept they are set up to send.
  @IgnoresAccept()
  @ApiOperation({ operationId: 'healthLive', summary: 'The process is up' })
  @ApiOkResponse({
    description: 'Alive',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): typeof ALIVE {
    return ALIVE;
  }

  @Get('ready')
  @IgnoresAccept()
  // Terminus' own OpenAPI metadata depends on how @nestjs/swagger was loaded;
  // declaring the replies here keeps the document the same everywhere.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'The process can serve: the database answers',
  })
  @ApiOkResponse({
    description: 'Every dependency is up',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] }, details: { type: 'object' } },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down; `checks` says which',
    type: ProblemDto,
  })
  async ready(): Promise<HealthCheckResult> {
    const result = await this.health.check([
      () => this.db.pingCheck('database').withTimeout(PING_TIMEOUT_MS).cacheFor(CHECK_REUSE_MS),
    ]);
    // Terminus learns of a shutdown only from Nest's shutdown hooks, which
    // run after the job runtime has stopped: a check in flight when the stop
    // signal came would answer 200 meanwhile and keep a balancer sending.
    if (this.shutdown.stopping)
      throw new ServiceUnavailableException({ ...result, status: 'error' });
    return result;
  }
}
