import * as t from 'io-ts';

export { redactTokens } from './redact.js';
import { redactTokens } from './redact.js';

/** A value a message describes rather than quotes: bytes that are not text, say (`byte ff at offset 9`). */
export class Described {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (v instanceof Described) return v.text;
  const text = redactTokens(typeof v === 'string' ? JSON.stringify(v) : safeStringify(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};
const safeStringify = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** Input from outside was wrong: exit 2 / HTTP 400, nothing written. Says where and what, never how. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid ${field || 'input'}: ${show(value)} (expected ${expected})`);
  }

  /** Reports the first failure; a union's branch numbers are not part of the user's path. */
  static from(errors: t.Errors, where = ''): InvalidInput {
    const first = errors[0];
    const context = first?.context ?? [];
    const steps = context.filter((s, i) => s.key !== '' && !(context[i - 1]?.type instanceof t.UnionType));
    const field = [where, ...steps.map((s) => s.key)].filter(Boolean).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
    const expected = first?.message ?? (steps.at(-1) ?? context[0])?.type.name ?? 'valid input';
    return new InvalidInput(field, first?.value, expected);
  }
}

/** A rule said no: exit 1, HTTP 404 (unknown_*) or 409; one line, no stack. */
export type DomainErrorCode =
  | 'unknown_scan'
  | 'unknown_finding'
  | 'unknown_checkpoint'
  | 'unknown_job'
  | 'unknown_token'
  | 'unknown_state'
  | 'unknown_state_type'
  | 'unknown_session'
  | 'unknown_body'
  | 'illegal_transition'
  | 'conflict';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Authenticated, but not allowed: HTTP 403; nothing is written. Says what would be needed, never a secret. */
export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';
}

/** A person naming someone else as who acted: bad input (400) worth an audit line. */
export class Impersonation extends InvalidInput {
  constructor(identity: string, by: string) {
    super('by', by, `nothing or ${identity}: a personal identity acts only as itself`);
  }
}

/**
 * An event written at a schema newer than this release reads: a writer ahead of this reader in a rollout. Never
 * bad input and never corruption: it says what is needed (the type, the schema, where the event came from), and
 * nothing of it is written. Readers upgrade first (README: Schemas and upgrades).
 */
export class NewerSchema extends Error {
  override readonly name = 'NewerSchema';
  constructor(
    readonly type: string,
    readonly schema: number,
    readonly readable: number,
    readonly where: string,
    release: string,
  ) {
    super(
      `${where}: ${type} schema ${schema} is newer than this stance-state (${release}) reads (${type} up to schema ${readable}); ` +
        `upgrade this replica to a release that reads ${type} schema ${schema} (readers upgrade before writers write it)`,
    );
  }
}

/**
 * A write in a process of an older release after a newer one rebuilt a read model it keeps (a rolling upgrade): the
 * older process would fold the new tables with its old logic, so it writes nothing and says to restart it on the new
 * release. Its queries keep working (HTTP 503 for the write, so a load balancer may retry on a newer process).
 */
export class ReadModelsUpgraded extends Error {
  override readonly name = 'ReadModelsUpgraded';
  constructor(
    readonly projection: string,
    readonly stored: number,
    readonly own: number,
  ) {
    super(
      `read model ${projection} was rebuilt by a newer stance-state (version ${stored}; this process has ${own}): ` +
        'nothing was written; restart this process on the newer release',
    );
  }
}
