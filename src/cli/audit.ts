import type { Command } from 'commander';
import * as t from 'io-ts';
import { InstantFromIso, type AuditEntry } from '../engine/index.js';
import { decodeOrThrow, IntFromString, optional } from '../events/index.js';
import { type CliContext } from './context.js';
import { table } from './format.js';
import { printList } from './output.js';

const AuditArgs = t.strict({ since: optional(InstantFromIso), limit: optional(IntFromString('a count (1-100000)', 1, 100_000)) });

const who = (e: AuditEntry) => (e.actor === '' ? '(no identity)' : e.actor_role === null ? e.actor : `${e.actor} (${e.actor_role})`);

const auditTable = (items: readonly AuditEntry[]) =>
  table(
    ['AT', 'EVENT', 'ACTOR', 'SUBJECT', 'STATUS', 'REMOTE', 'DETAIL'],
    items.map((e) => [e.at, e.event, who(e), e.event === 'write_refused' ? `${e.method} ${e.route}` : e.subject, e.status, e.remote, e.detail]),
  );

export const registerAudit = (audit: Command, ctx: CliContext): void => {
  audit
    .option('--since <iso>', 'only entries at or after this instant')
    .option('--limit <n>', 'only the newest n entries')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(AuditArgs, o);
      printList(ctx, cmd, await (await ctx.engine(cmd)).access.audit({ since: a.since, limit: a.limit }), auditTable);
    });
};
