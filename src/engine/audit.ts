import { tokenStreamOf } from '../domain/index.js';
import { instantOf, slaPolicyStream, type RecordedEvent } from '../events/index.js';
import type { Core } from './core.js';

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
  readonly event: 'token_created' | 'token_revoked' | 'suppression_policy_set' | 'sla_policy_set' | 'write_refused';
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
 * Refusals live beside the log, not in it (the backend keeps them): a refused write must leave the log exactly as it
 * was (its head is what clients and replicas see), and a flood of bad requests must not become replicated history.
 */
export const recordRefusal = (core: Core, r: Refusal): Promise<void> =>
  core.backend.recordRefusal({ ...r, at: instantOf(core.clock()) });

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
    case 'SlaPolicySet':
      return {
        ...base,
        event: 'sla_policy_set',
        subject: 'sla',
        detail: `critical ${String(d.critical)}, high ${String(d.high)}, medium ${String(d.medium)}, low ${String(d.low)} days; ${
          d.restartOnReopen === true ? 'restarts on reopen' : 'runs from the first sighting'
        }`,
      };
    default:
      return null;
  }
};

/**
 * The access audit, oldest first: token and policy events read from their own streams (through the stream index,
 * never a scan of the whole log) and the refusals kept beside the log, merged by time.
 */
export const listAudit = async (core: Core, options: { since?: string | undefined; limit?: number | undefined } = {}): Promise<AuditEntry[]> => {
  const since = options.since ?? '';
  const names = (await core.backend.models.rows({ table: 'access_tokens', columns: ['name'], order: [{ column: 'name' }] })).map((r) => r.name as string);
  const streams = [...new Set(names)].map(tokenStreamOf).concat('policy-suppression', slaPolicyStream);
  const logged: AuditEntry[] = [];
  for (const stream of streams)
    for await (const e of core.backend.log.readStream(stream)) {
      const entry = e.meta.recordedAt >= since ? fromEvent(e) : null;
      if (entry !== null) logged.push(entry);
    }
  const refused = (await core.backend.refusals(since)).map(
    (r): AuditEntry => ({
      at: r.at,
      event: 'write_refused',
      actor: r.actor ?? '',
      actor_role: r.role,
      actor_via: r.via,
      actor_token_id: r.tokenId,
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
