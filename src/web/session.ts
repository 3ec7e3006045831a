/**
 * The personal token, kept for this browser tab's session only (sessionStorage: gone when the tab closes, never sent
 * by the browser on its own as a cookie would be, never put in a URL). Every request sends it as a Bearer header.
 */
const key = 'stance-state.token';

export const storedToken = (): string | null => {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
};

export const storeToken = (token: string): void => sessionStorage.setItem(key, token);

export const forgetToken = (): void => sessionStorage.removeItem(key);
