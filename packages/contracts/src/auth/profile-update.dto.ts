import { PickType } from '@nestjs/swagger';

import { RegisterDto } from './auth-requests.dto.js';

/**
 * Body of `PATCH /me`: the name, held to the rules it had at sign-up. The
 * e-mail is not here: changing it needs proof of the new address first.
 * Any other field (role, email) is a 400.
 */
export class ProfileUpdateDto extends PickType(RegisterDto, ['name'] as const) {}
