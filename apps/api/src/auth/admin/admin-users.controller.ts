import {
  AdminUserDto,
  AdminUserPageDto,
  AdminUsersQueryDto,
  AdminUserUpdateDto,
  ProblemDto,
} from '@minishop/contracts';
import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../authenticated-user.js';
import { CurrentUser, Scopes } from '../decorators/auth.decorators.js';
import { AccountStatusService } from './account-status.service.js';
import { toAdminUserDto } from './admin-user.mapper.js';
import { AdminUserQueryService } from './admin-user-query.service.js';

const USER_ID_PARAM = {
  name: 'id',
  description: 'Account id',
  schema: { type: 'string', format: 'uuid', maxLength: 36 },
} as const;

@ApiTags('auth')
@Scopes('users:manage')
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    private readonly queries: AdminUserQueryService,
    private readonly status: AccountStatusService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listUsers',
    summary:
      'All accounts, newest first, optionally by e-mail, text in e-mail or name, role or status',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiBadRequestResponse({
    description:
      'Invalid email, q, role, disabled or limit (type validation), or a cursor the API did not issue (type pagination-invalid-cursor)',
    type: ProblemDto,
  })
  list(@Query() query: AdminUsersQueryDto): Promise<AdminUserPageDto> {
    return this.queries.list(query);
  }

  @ApiParam(USER_ID_PARAM)
  @Get(':id')
  @ApiOperation({ operationId: 'getUser', summary: 'One account, with its status' })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param('id') id: string): Promise<AdminUserDto> {
    return this.queries.get(id);
  }

  @ApiParam(USER_ID_PARAM)
  @Patch(':id')
  @ApiOperation({
    operationId: 'updateUser',
    summary: 'Disable or enable an account',
    description:
      'Disabling takes effect on the account’s next request: its access tokens get 401, its refresh tokens are revoked and its password reset links stop working; enabling it again does not bring any of them back, the customer signs in anew. Setting the status the account already has changes nothing. Only the status can be changed here.',
  })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiBadRequestResponse({
    description: 'disabled missing or not a boolean, or another field sent (role, email…)',
    type: ProblemDto,
  })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiUnprocessableEntityResponse({
    description: 'An admin tried to disable their own account (type auth-self-disable)',
    type: ProblemDto,
  })
  async update(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: AdminUserUpdateDto,
  ): Promise<AdminUserDto> {
    return toAdminUserDto(await this.status.change(id, body.disabled, { adminId: admin.id }));
  }
}
