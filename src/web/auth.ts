import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, call } from './api.js';
import { forgetToken, storedToken, storeToken } from './session.js';
import type { Me, Permission } from './types.js';

export interface Auth {
  /** Who the server says this page acts as (GET /v1/me), or null before it answered or when it refused. */
  readonly me: Me | null;
  /** Why the server refused to say (a bad token, reads that need one): its own message. */
  readonly refusal: ApiError | null;
  readonly hasToken: boolean;
  signIn(token: string): Promise<string | null>;
  signOut(): void;
  may(permission: Permission): boolean;
}

export const AuthContext = createContext<Auth>({
  me: null,
  refusal: null,
  hasToken: false,
  signIn: async () => null,
  signOut: () => undefined,
  may: () => false,
});
export const useAuth = (): Auth => useContext(AuthContext);

/** The signed-in identity: a personal token entered once per tab, or the login proxy's, or an anonymous viewer. */
export const useIdentity = (): Auth => {
  const [me, setMe] = useState<Me | null>(null);
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [hasToken, setHasToken] = useState(storedToken() !== null);

  const ask = useCallback(async () => {
    try {
      setMe((await call<Me>('/v1/me')).data);
      setRefusal(null);
    } catch (error) {
      setMe(null);
      setRefusal(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
  }, []);

  useEffect(() => void ask(), [ask]);

  const signIn = useCallback(async (token: string): Promise<string | null> => {
    try {
      // Checked before it is kept: a mistyped token is refused here, with the server's words.
      const { data } = await call<Me>('/v1/me', { token });
      storeToken(token);
      setHasToken(true);
      setMe(data);
      setRefusal(null);
      return null;
    } catch (error) {
      return error instanceof ApiError ? error.message : String(error);
    }
  }, []);

  const signOut = useCallback(() => {
    forgetToken();
    setHasToken(false);
    void ask();
  }, [ask]);

  const may = useCallback((p: Permission) => me?.permissions.includes(p) ?? false, [me]);
  return { me, refusal, hasToken, signIn, signOut, may };
};
