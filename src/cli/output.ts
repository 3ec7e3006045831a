import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { out, printJson } from './context.js';
import { record } from './format.js';

/** Prints a record: its JSON under --json, else `key  value` lines. */
export const printRecord = (ctx: CliContext, cmd: Command, value: object): void =>
  ctx.json(cmd) ? printJson(value) : out(record(value));

/** Prints a list: a JSON array under --json, else the table `human` renders. */
export const printList = <T>(ctx: CliContext, cmd: Command, items: readonly T[], human: (items: readonly T[]) => string): void =>
  ctx.json(cmd) ? printJson(items) : out(items.length === 0 ? '(none)' : human(items));
