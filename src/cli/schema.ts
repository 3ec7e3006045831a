import type { Command } from 'commander';
import * as t from 'io-ts';
import type { EventSchemaRow } from '../engine/index.js';
import { decodeOrThrow, IntFromString } from '../events/index.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList } from './output.js';

const schemaTable = (rows: readonly EventSchemaRow[]) =>
  table(
    ['TYPE', 'CURRENT', 'WRITTEN AT', 'DEFAULT', 'LOWEST', 'UPCASTERS'],
    rows.map((r) => [r.type, r.current, r.write, r.default_write, r.lowest, r.upcasters.join(' ') || '-']),
  );

export const registerSchema = (schema: Command, ctx: CliContext): void => {
  schema
    .command('show')
    .description('each event type: the schema readers see (older ones are upcast), the one this store writes, the upcasters')
    .option('--all', 'every type (default: only types with more than one schema)')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const rows = await (await ctx.engine(cmd)).schemas.list();
      printList(ctx, cmd, o.all === true ? rows : rows.filter((r) => r.current > 1), schemaTable);
    });

  schema
    .command('write <type> <schema>')
    .description('tell every writer of this store to write <type> at <schema>; upgrade every reader (replicas, hubs) first')
    .action(async (type: string, schemaText: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ type: t.string, schema: IntFromString('a schema number', 1, 1000) }), { type, schema: schemaText });
      const row = await (await ctx.engine(cmd)).schemas.setWrite(a.type, a.schema);
      if (ctx.json(cmd)) printJson(row);
      else out(`${row.type} is written at schema ${row.write} (readers see schema ${row.current})`);
    });
};
