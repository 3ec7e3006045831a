import type Database from 'better-sqlite3';
import { tokenStreamOf } from '../domain/index.js';
import { instantOf, type RecordedEvent } from '../events/index.js';
import type { Core } from './core.js';
import { sql } from './core.js';

/** A write the HTTP API refused (401, 403, or a person naming someone else), as the audit keeps it. */
export interface Refusal {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly reason: string;
  /** Null when nobody was authenticated (no token, or one that is not valid). */
  readonly actor: string | null;
  readonly role: string | null;
  readonly tokenId: string | null;
  readonly via: string | null;
  readonly remote: string | null;
}

/** One line of the access audit: a token made or revoked, a policy set (from the log), or a refused write. */
export interface AuditEntry {
  readonly at: string;
  readonly event: 'token_created' | 'token_revoked' | 'suppression_policy_set' | 'write_refused';
  readonly actor: string;
  readonly actor_role: string | null;
  readonly actor_via: string | null;
  readonly actor_token_id: string | null;
  /** The token's name, or the policy's. */
  readonly subject: string;
  readonly detail: string;
  /** Log position of a recorded event; null for a refusal (refusals are not in the log). */
  readonly position: number | null;
  readonly status: number | null;
  readonly method: string | null;
  readonly route: string | null;
  readonly remote: string | null;
}

/*
 * Refusals live beside the log, not in it: a refused write must leave the log exactly as it was (its head is what
 * clients and replicas see), and a flood of bad requests must not become replicated history. The table refuses
 * UPDATE and DELETE as the log does.
 */
const ddl = `
CREATE TABLE IF NOT EXISTS access_audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, method TEXT NOT NULL,
  route TEXT NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL, actor TEXT, role TEXT, token_id TEXT,
  via TEXT, remote TEXT) STRICT;
CREATE INDEX IF NOT EXISTS access_audit_by_time ON access_audit (at);
CREATE TRIGGER IF NOT EXISTS access_audit_no_update BEFORE UPDATE ON access_audit
  BEGIN SELECT RAISE(ABORT, 'the access audit is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS access_audit_no_delete BEFORE DELETE ON access_audit
  BEGIN SELECT RAISE(ABORT, 'the access audit is append-only: DELETE refused'); END;
`;

const ready = new WeakSet<Database.Database>();
const ensure = (core: Core): void => {
  if (ready.has(core.store.db)) return;
  core.store.db.exec(ddl);
  ready.add(core.store.db);
};

export const recordRefusal = (core: Core, r: Refusal): void => {
  ensure(core);
  sql<unknown[]>(
    core,
    `INSERT INTO access_audit (at, method, route, status, reason, actor, role, token_id, via, remote)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    instantOf(core.clock()),
    r.method,
    r.route.slice(0, 512),
    r.status,
    r.reason.slice(0, 1000),
    r.actor,
    r.role,
    r.tokenId,
    r.via,
    r.remote,
  );
};

interface AuditRow {
  at: string;
  method: string;
  route: string;
  status: number;
  reason: string;
  actor: string | null;
  role: string | null;
  token_id: string | null;
  via: string | null;
  remote: string | null;
}

const fromEvent = (e: RecordedEvent): AuditEntry | null => {
  const d = e.data as Record<string, unknown>;
  const base = {
    at: e.meta.recordedAt,
    actor: e.meta.actor ?? '',
    actor_role: e.meta.actorRole ?? null,
    actor_via: e.meta.actorVia ?? null,
    actor_token_id: e.meta.actorTokenId ?? null,
    position: e.position,
    status: null,
    method: null,
    route: null,
    remote: null,
  };
  switch (e.type) {
    case 'TokenCreated': {
      const scopes = d.scopes as string[];
      const expires = d.expiresAt === null ? 'never expires' : `expires ${String(d.expiresAt)}`;
      const detail = `${String(d.tokenId)} role ${String(d.role)} (${String(d.kind)}), ${scopes.length === 0 ? 'every account' : scopes.join(' ')}, ${expires}`;
      return { ...base, event: 'token_created', subject: String(d.name), detail };
    }
    case 'TokenRevoked':
      return { ...base, event: 'token_revoked', subject: String(d.name), detail: String(d.tokenId) };
    case 'SuppressionPolicySet':
      return {
        ...base,
        event: 'suppression_policy_set',
        subject: 'suppression',
        detail: d.maxDays === null ? 'no maximum' : `at most ${String(d.maxDays)} days`,
      };
    default:
      return null;
  }
};

/**
 * The access audit, oldest first: token and policy events read from their own streams (through the stream index,
 * never a scan of the whole log) and the refusals kept beside the log, merged by time.
 */
export const listAudit = (core: Core, options: { since?: string | undefined; limit?: number | undefined } = {}): AuditEntry[] => {
  const since = options.since ?? '';
  const names = sql<[], string>(core, 'SELECT DISTINCT name FROM access_tokens ORDER BY name').pluck().all();
  const streams = [...names.map(tokenStreamOf), 'policy-suppression'];
  const logged = streams.flatMap((stream) =>
    [...core.store.readStreamSync(stream)].flatMap((e) => {
      const entry = e.meta.recordedAt >= since ? fromEvent(e) : null;
      return entry === null ? [] : [entry];
    }),
  );
  // Read-only: the table appears with the first refusal (an HTTP read must not take the write lock to make it).
  const kept = sql<[], number>(core, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_audit'").pluck().get() === 1;
  const rows = kept ? sql<[string], AuditRow>(core, 'SELECT * FROM access_audit WHERE at >= ? ORDER BY seq').all(since) : [];
  const refused = rows
    .map(
      (r): AuditEntry => ({
        at: r.at,
        event: 'write_refused',
        actor: r.actor ?? '',
        actor_role: r.role,
        actor_via: r.via,
        actor_token_id: r.token_id,
        subject: r.route,
        detail: r.reason,
        position: null,
        status: r.status,
        method: r.method,
        route: r.route,
        remote: r.remote,
      }),
    );
  const all = [...logged, ...refused].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return options.limit === undefined ? all : all.slice(-options.limit);
};
