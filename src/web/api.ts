import { storedToken } from './session.js';

/** A refusal or failure, carrying the server's own message (its `error` field) to show as it is. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  readonly data: T;
  /** X-Stance-Position: the log position the answer reflects. */
  readonly position: number;
}

export interface CallOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** A token to try instead of the stored one (signing in). */
  readonly token?: string;
}

const parse = (text: string): unknown => {
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
};

/** One call to the API on this server, as the signed-in identity (or anonymously, when there is none). */
export const call = async <T>(path: string, options: CallOptions = {}): Promise<Answer<T>> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token ?? storedToken();
  if (token !== null && token !== '') headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
      // The browser may keep an answer and revalidate it with its ETag (the log position): a 304 costs no query.
      cache: 'no-cache',
      credentials: 'same-origin',
      redirect: 'error',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'the server cannot be reached');
  }
  const body = parse(await response.text());
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return { data: body as T, position: Number(response.headers.get('x-stance-position') ?? 0) };
};

export const get = async <T>(path: string): Promise<T> => (await call<T>(path)).data;

export const post = async <T>(path: string, body: unknown): Promise<T> => (await call<T>(path, { method: 'POST', body })).data;

/** A query string from the values given (empty and absent ones left out). */
export const query = (values: Readonly<Record<string, string | number | null | undefined>>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
};

export const findingPath = (id: string): string => `/findings/${encodeURIComponent(id)}`;
