import { asDomainEvent, canonicalJson } from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

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
  version: 3, // 3: the SLA policy
  handles: ['TokenCreated', 'TokenRevoked', 'SlaPolicySet', 'SuppressionPolicySet'],
  tables: [
    {
      name: 'access_tokens',
      columns: columns(`token_id:text name:text role:text kind:text scopes:text sha256:text expires_at:text?
        created_at:text created_by:text revoked_at:text? revoked_by:text?`),
      key: ['token_id'],
      indexes: [
        { name: 'access_tokens_by_name', columns: ['name', 'created_at'] },
        { name: 'access_tokens_by_hash', columns: ['sha256'] },
      ],
    },
    { name: 'access_settings', columns: columns('key:text value:text set_at:text set_by:text'), key: ['key'] },
  ],
  reads: (event) => (event.type === 'TokenRevoked' ? [{ table: 'access_tokens', key: [(event.data as { tokenId: string }).tokenId] }] : []),
  apply(rows, event, context) {
    if (event.meta.origin !== context.merge().local) return;
    const e = asDomainEvent(event);
    const by = event.meta.actor ?? '';
    switch (e.type) {
      case 'TokenCreated': {
        const d = e.data;
        const row: TokenRow = {
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
        };
        rows.put('access_tokens', row as unknown as Row);
        return;
      }
      case 'TokenRevoked': {
        const row = rows.get('access_tokens', [e.data.tokenId]);
        if (row !== undefined && row.revoked_at === null)
          rows.put('access_tokens', { ...row, revoked_at: e.data.revokedAt, revoked_by: by });
        return;
      }
      case 'SlaPolicySet': {
        const { at, ...policy } = e.data;
        rows.put('access_settings', { key: 'sla', value: canonicalJson(policy), set_at: at, set_by: by });
        return;
      }
      case 'SuppressionPolicySet':
        rows.put('access_settings', { key: 'suppression', value: canonicalJson({ maxDays: e.data.maxDays }), set_at: e.data.at, set_by: by });
        return;
      default:
        return;
    }
  },
};
