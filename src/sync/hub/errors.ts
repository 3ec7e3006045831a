/**
 * Why a hub operation failed: `unreachable` (network errors after every retry), `timeout` (the operation's deadline
 * passed), `denied` (credentials or permissions), `corrupt` (an object on the hub is not in our format), `layout` (the
 * hub's tree stands in the way: a key under an object, a directory or a symbolic link where an object should be),
 * `failed` (anything else the storage refused), `too_large` (an object larger than the reader allows).
 */
export type HubErrorCode = 'unreachable' | 'timeout' | 'denied' | 'corrupt' | 'layout' | 'failed' | 'too_large';

/** Errors that are one object's fault (bad input from the hub), not the hub's: they stop only that object's origin. */
export const isObjectFault = (error: unknown): boolean =>
  error instanceof HubError && (error.code === 'corrupt' || error.code === 'too_large');

/**
 * A hub could not do what was asked. The message names the hub by its URL (and, for Azure, the account and host),
 * never a connection string, key or SAS token: it is meant to be printed as is.
 */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    readonly hub: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`hub ${hub}: ${message}`, options);
  }
}
