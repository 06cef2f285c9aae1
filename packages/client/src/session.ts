/** What the client remembers between calls. */
export interface Session {
  accessToken?: string;
  refreshToken?: string;
  /** The guest cart's X-Cart-Token, until the cart is merged into an account. */
  cartToken?: string;
}

/** Where the session lives: memory by default; a browser app may back it with localStorage. */
export interface SessionStore {
  get(): Session;
  set(session: Session): void;
}

export function memorySession(initial: Session = {}): SessionStore {
  let current = { ...initial };
  return {
    get: () => current,
    set: (next) => {
      current = { ...next };
    },
  };
}
