import type { Command } from 'commander';
import * as t from 'io-ts';
import { InstantFromIso, type TokenRecord } from '../engine/index.js';
import { AccessScope, decodeOrThrow, IdentityName, optional, Role } from '../events/index.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList, printRecord } from './output.js';

const CreateArgs = t.strict({
  name: IdentityName,
  role: Role,
  scope: optional(t.array(AccessScope)),
  expires: optional(InstantFromIso),
  service: optional(t.boolean),
});

const tokenTable = (items: readonly TokenRecord[]) =>
  table(
    ['NAME', 'ID', 'ROLE', 'KIND', 'SCOPES', 'STATUS', 'EXPIRES', 'CREATED', 'BY'],
    items.map((k) => [k.name, k.token_id, k.role, k.kind, k.scopes, k.status, k.expires, k.created_at, k.created_by]),
  );

const repeat = (v: string, acc: string[] = []) => [...acc, v];

export const registerToken = (token: Command, ctx: CliContext): void => {

  token
    .command('create <name>')
    .description('make a token; it is printed once, and only its SHA-256 is kept')
    .requiredOption('--role <role>', 'viewer (reads), analyst (decisions), scanner (scans, sightings, checkpoints) or admin')
    .option('--scope <account[/region]>', 'limit writes to this account (or one region of it); repeat for several (default: every account)', repeat)
    .option('--expires <iso>', 'when the token stops working (default: never)')
    .option('--service', 'a service identity (an integration): it may name the person it acts for with `by`')
    .action(async (name: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(CreateArgs, { name, ...o });
      const created = await (await ctx.engine(cmd)).access.createToken(
        { name: a.name, role: a.role, kind: a.service === true ? 'service' : 'person', scopes: a.scope, expiresAt: a.expires },
        ctx.actor(cmd),
      );
      if (ctx.json(cmd))
        printJson({
          name: created.name,
          role: created.role,
          scopes: created.scopes,
          token: created.token,
          expires: created.expires,
          token_id: created.token_id,
          kind: created.kind,
          created_at: created.created_at,
        });
      else {
        const { token: secret, ...rest } = created;
        printRecord(ctx, cmd, { token: secret, ...rest });
        process.stderr.write('stance-state: the token is shown this once; only its SHA-256 is kept. Store it now.\n');
      }
    });

  token
    .command('list')
    .description('every token made, revoked and expired ones too (never a secret)')
    .action(async (_o: object, cmd: Command) => {
      printList(ctx, cmd, await (await ctx.engine(cmd)).access.listTokens(), tokenTable);
    });

  token
    .command('revoke <name>')
    .description('revoke the token of a name; a running serve refuses it from its next request')
    .action(async (name: string, _o: object, cmd: Command) => {
      const n = decodeOrThrow(IdentityName, name, 'name');
      const record = await (await ctx.engine(cmd)).access.revokeToken(n, ctx.actor(cmd));
      if (ctx.json(cmd)) printJson(record);
      else out(`revoked ${record.name} (${record.token_id})`);
    });
};
