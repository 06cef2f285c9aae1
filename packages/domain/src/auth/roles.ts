export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  'cart:write',
  'orders:read',
  'orders:write',
  'catalog:write',
  'orders:manage',
  'users:manage',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The one place that says what each role may do. Tokens carry the scopes of
 * the role at issue time; guards check scopes, never roles.
 */
const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  customer: ['cart:write', 'orders:read', 'orders:write'],
  // Every scope there is: a scope added to SCOPES is an admin's at once.
  admin: SCOPES,
};

export function scopesFor(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `granted` contains every scope of `required`. */
export function hasScopes(granted: readonly string[], required: readonly Scope[]): boolean {
  return required.every((s) => granted.includes(s));
}
