import type { AccessRefusal } from '../ports/backend.js';
import type { StoredRefusal } from '../ports/migrate.js';

/** A row of the access audit as both backends store it. */
export interface AuditRow {
  readonly seq: number | string;
  readonly at: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly reason: string;
  readonly actor: string | null;
  readonly role: string | null;
  readonly token_id: string | null;
  readonly via: string | null;
  readonly remote: string | null;
}

export const refusalOf = (r: AuditRow): AccessRefusal => ({
  at: r.at, method: r.method, route: r.route, status: r.status, reason: r.reason, actor: r.actor, role: r.role, tokenId: r.token_id, via: r.via, remote: r.remote,
});

/** A row with its sequence number (a bigint, which PostgreSQL's driver hands over as text). */
export const storedRefusalOf = (r: AuditRow): StoredRefusal => ({ seq: Number(r.seq), ...refusalOf(r) });

/** The columns of an insert, in the order both backends' statements name them. */
export const auditValues = (r: StoredRefusal): unknown[] => [r.seq, r.at, r.method, r.route, r.status, r.reason, r.actor, r.role, r.tokenId, r.via, r.remote];
