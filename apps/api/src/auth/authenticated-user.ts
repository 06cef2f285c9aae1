import type { Role, Scope } from '@minishop/domain';

/** Who is calling, as established by the guard chain; set on `request.user`. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  /** The token's scopes still allowed by the user's current role. */
  scopes: Scope[];
  /** `jti` of the access token. */
  tokenId: string;
  /** The account's credentials version the token was issued under (`ver`; 0 when absent). */
  credentialsVersion: number;
  /** The session (refresh-token family) the token was issued to (`sid`); absent in older tokens. */
  sessionId?: string;
}

/** The claims minishop puts in an access token. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  /** The account's credentials version at issue; tokens issued before it existed have none. */
  ver?: number;
  /** The session it was issued to: its refresh-token family. Tokens issued before it existed have none. */
  sid?: string;
}
