import { AccessDenied, DomainError, InvalidInput, NewerSchema, ReadModelsUpgraded, redactTokens } from '../errors.js';
import { DuplicateEventId, WrongExpectedRevision } from '../ports/errors.js';

/** A refusal the HTTP layer itself decides (auth, size, media type, method, timeout): status and one sentence. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ErrorReply {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Not the caller's fault: log it with its stack. */
  readonly bug: boolean;
}

const maxValueChars = 200;

/** The offending value as given, unless it is big: a 1 MiB string should not come back in the 400. */
const echo = (value: unknown): unknown => {
  if (value === undefined) return null;
  if (typeof value === 'string' && redactTokens(value) !== value) return redactTokens(value).slice(0, maxValueChars);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return String(value).slice(0, maxValueChars);
  }
  if (text === undefined) return String(value);
  if (redactTokens(text) !== text) return redactTokens(text).slice(0, maxValueChars);
  if (text.length <= maxValueChars) return value;
  return typeof value === 'string' ? `${value.slice(0, maxValueChars)}…` : `${text.slice(0, maxValueChars)}…`;
};

const sqliteCode = (error: unknown): string => {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
};

/**
 * The one mapping from what the engine throws to a status: bad input 400 `{error, field, value}`, unknown ids 404,
 * rule refusals and revision conflicts 409, a busy database 503. Anything else is a bug: 500 with a generic message,
 * so no stack or SQL reaches a client.
 */
export const errorReply = (error: unknown): ErrorReply => {
  // Every message passes the token mask on its way out: an id or name a client sent may be a pasted token.
  const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}, bug = false) => ({
    status,
    body: typeof body.error === 'string' ? { ...body, error: redactTokens(body.error) } : body,
    headers,
    bug,
  });
  if (error instanceof HttpError) return reply(error.status, { error: error.message }, { ...error.headers });
  if (error instanceof AccessDenied) return reply(403, { error: error.message, code: 'forbidden' });
  if (error instanceof InvalidInput)
    return reply(400, { error: error.message, field: error.field, value: echo(error.value), expected: error.expected });
  if (error instanceof DomainError)
    return reply(error.code.startsWith('unknown_') ? 404 : 409, { error: error.message, code: error.code });
  if (error instanceof WrongExpectedRevision)
    return reply(409, { error: `conflict: another writer changed ${error.stream}; try again`, code: 'conflict' });
  if (error instanceof DuplicateEventId) return reply(409, { error: error.message, code: 'conflict' });
  // Data written by a newer release: this server must be upgraded to read it (nothing of the request was written).
  if (error instanceof NewerSchema) return reply(409, { error: error.message, code: 'newer_schema' });
  // A rolling upgrade passed this process by: a newer one may take the write.
  if (error instanceof ReadModelsUpgraded) return reply(503, { error: error.message, code: 'upgraded' }, { 'retry-after': '1' });
  // Another process held the write lock past busy_timeout: the request may succeed later.
  if (sqliteCode(error).startsWith('SQLITE_BUSY'))
    return reply(503, { error: 'the data directory is busy; try again' }, { 'retry-after': '1' });
  return reply(500, { error: 'internal error (logged on the server)' }, {}, true);
};
