import { ProblemDto } from '@minishop/contracts';
import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { ALIVE } from './liveness.js';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
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
  ready() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]);
  }
}
