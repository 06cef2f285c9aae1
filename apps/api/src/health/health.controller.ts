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

import { ShutdownState } from '../infrastructure/lifecycle/shutdown-state.js';
import { ALIVE } from './liveness.js';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'The process is up' })
  @ApiOkResponse({
    description: 'Alive',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): typeof ALIVE {
    return ALIVE;
  }

  @Get('ready')
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
      () => this.db.pingCheck('database', { timeout: 1500 }),
    ]);
    // Terminus learns of a shutdown only from Nest's shutdown hooks, which
    // run after the job runtime has stopped: a check in flight when the stop
    // signal came would answer 200 meanwhile and keep a balancer sending.
    if (this.shutdown.stopping)
      throw new ServiceUnavailableException({ ...result, status: 'error' });
    return result;
  }
}
