import createClient, { type Client, type Middleware } from 'openapi-fetch';

import type { paths } from './schema.js';
import { memorySession, type SessionStore } from './session.js';

export interface MinishopClientOptions {
  /** Origin of the API, e.g. http://localhost:3000 (paths carry /api/v1). */
  baseUrl: string;
  session?: SessionStore;
  fetch?: typeof globalThis.fetch;
}

export interface MinishopClient {
  /** Typed calls: `api.GET('/api/v1/products', { params: { query: { q: 'mug' } } })`. */
  api: Client<paths>;
  session: SessionStore;
  /** Forgets tokens and the cart token (e.g. after logout). */
  signOut(): void;
}

interface TokenReply {
  accessToken?: unknown;
  refreshToken?: unknown;
  cartToken?: unknown;
}

const AUTH_PATHS = /\/auth\/(login|register|refresh)$/;
const SIGN_IN_PATHS = /\/auth\/(login|register)$/;
/** A password change ends every session but the new one its reply holds. */
const PASSWORD_CHANGE_PATH = /\/me\/password$/;

/**
 * The minishop client: openapi-fetch over the generated types, plus the two
 * things every storefront otherwise writes by hand — sending the access and
 * cart tokens, and refreshing an expired access token once, transparently.
 */
export function createMinishopClient(options: MinishopClientOptions): MinishopClient {
  const session = options.session ?? memorySession();
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: fetchImpl });
  const pending = new WeakMap<Request, Request>();
  let refreshing: Promise<boolean> | undefined;

  const remember = (reply: TokenReply) => {
    const next = { ...session.get() };
    if (typeof reply.accessToken === 'string') next.accessToken = reply.accessToken;
    if (typeof reply.refreshToken === 'string') next.refreshToken = reply.refreshToken;
    if (typeof reply.cartToken === 'string') next.cartToken = reply.cartToken;
    session.set(next);
  };

  // One refresh at a time: concurrent 401s wait for the same rotation, since a
  // refresh token can be spent only once.
  const refresh = (): Promise<boolean> => {
    refreshing ??= (async () => {
      const { refreshToken } = session.get();
      if (!refreshToken) return false;
      const response = await fetchImpl(new URL('/api/v1/auth/refresh', options.baseUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      if (!response.ok) {
        const { cartToken } = session.get();
        session.set(cartToken ? { cartToken } : {});
        return false;
      }
      remember((await response.json()) as TokenReply);
      return true;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  const middleware: Middleware = {
    onRequest({ request }) {
      const { accessToken, cartToken } = session.get();
      if (accessToken && !request.headers.has('Authorization')) {
        request.headers.set('Authorization', `Bearer ${accessToken}`);
      }
      if (cartToken && !request.headers.has('X-Cart-Token'))
        request.headers.set('X-Cart-Token', cartToken);
      pending.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const original = pending.get(request);
      pending.delete(request);
      const path = new URL(request.url).pathname;
      if (
        response.ok &&
        (AUTH_PATHS.test(path) ||
          PASSWORD_CHANGE_PATH.test(path) ||
          (path.endsWith('/cart') && request.method === 'POST'))
      ) {
        remember((await response.clone().json()) as TokenReply);
        // Sign-in sent the guest's X-Cart-Token and the account absorbed that
        // cart; the token now names a closed cart, so it is not kept.
        if (SIGN_IN_PATHS.test(path)) {
          const { cartToken: _absorbed, ...signedIn } = session.get();
          session.set(signedIn);
        }
        return response;
      }
      if (
        response.status !== 401 ||
        AUTH_PATHS.test(path) ||
        !original ||
        !session.get().refreshToken
      ) {
        return response;
      }
      // Another call may have rotated the tokens while this one was in flight:
      // then retry with the new access token instead of spending another refresh.
      const sentWith = original.headers.get('Authorization');
      const current = session.get().accessToken;
      const rotated = current !== undefined && sentWith !== `Bearer ${current}`;
      if (!rotated && !(await refresh())) return response;
      const retry = new Request(original, { headers: new Headers(original.headers) });
      retry.headers.set('Authorization', `Bearer ${session.get().accessToken ?? ''}`);
      return fetchImpl(retry);
    },
  };
  api.use(middleware);

  return {
    api,
    session,
    signOut: () => session.set({}),
  };
}
