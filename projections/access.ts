import type Database from 'better-sqlite3';
import { asDomainEvent, canonicalJson, type RecordedEvent } from '../src/events/index.js';
import type { Projection, ProjectionContext, TableNamer } from './projection.js';

/** A row of access_tokens: one per token ever made (a revoked one stays, for the audit). */
export interface TokenRow {
  token_id: string;
  name: string;
  role: string;
  kind: string;
  /** JSON array of scopes; [] is every account. */
  scopes: string;
  sha256: string;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/**
 * Identities and access settings, for lookup on every request. Only this data dir's own events count: these
 * categories never replicate, and an event claiming another origin must not grant anyone anything.
 */
export const accessProjection: Projection = {
  name: 'access',
  version: 1,
  tables: ['access_tokens', 'access_settings'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('access_tokens')} (token_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
      kind TEXT NOT NULL, scopes TEXT NOT NULL, sha256 TEXT NOT NULL, expires_at TEXT, created_at TEXT NOT NULL,
      created_by TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT) STRICT`,
    `CREATE INDEX ${t('access_tokens_by_name')} ON ${t('access_tokens')} (name, created_at)`,
    `CREATE TABLE ${t('access_settings')} (key TEXT PRIMARY KEY, value TEXT NOT NULL, set_at TEXT NOT NULL,
      set_by TEXT NOT NULL) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext) {
    const insert = db.prepare<[TokenRow]>(
      `INSERT OR REPLACE INTO ${t('access_tokens')} VALUES (@token_id, @name, @role, @kind, @scopes, @sha256,
        @expires_at, @created_at, @created_by, @revoked_at, @revoked_by)`,
    );
    const revoke = db.prepare<[string, string, string]>(
      `UPDATE ${t('access_tokens')} SET revoked_at = ?, revoked_by = ? WHERE token_id = ? AND revoked_at IS NULL`,
    );
    const setting = db.prepare<[string, string, string, string]>(
      `INSERT OR REPLACE INTO ${t('access_settings')} (key, value, set_at, set_by) VALUES (?, ?, ?, ?)`,
    );
    const apply = (event: RecordedEvent) => {
      if (event.meta.origin !== context.merge().local) return;
      const e = asDomainEvent(event);
      const by = event.meta.actor ?? '';
      switch (e.type) {
        case 'TokenCreated': {
          const d = e.data;
          insert.run({
            token_id: d.tokenId,
            name: d.name,
            role: d.role,
            kind: d.kind,
            scopes: canonicalJson(d.scopes),
            sha256: d.sha256,
            expires_at: d.expiresAt,
            created_at: d.createdAt,
            created_by: by,
            revoked_at: null,
            revoked_by: null,
          });
          return;
        }
        case 'TokenRevoked':
          revoke.run(e.data.revokedAt, by, e.data.tokenId);
          return;
        case 'SuppressionPolicySet':
          setting.run('suppression', canonicalJson({ maxDays: e.data.maxDays }), e.data.at, by);
          return;
        default:
          return;
      }
    };
    return { apply };
  },
};
