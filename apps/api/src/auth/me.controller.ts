import { UserDto } from '@minishop/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AuthMapper } from './auth.mapper.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { CurrentUserService } from './current-user.service.js';
import { Authenticated, CurrentUser } from './decorators/auth.decorators.js';

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(private readonly currentUser: CurrentUserService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserDto> {
    return AuthMapper.toUserDto(await this.currentUser.get(caller.id));
  }
}
