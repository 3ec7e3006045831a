import { Command, CommanderError } from 'commander';
import { AccessDenied, DomainError, InvalidInput, redactTokens } from '../errors.js';
import { DuplicateEventId, WrongExpectedRevision } from '../store/index.js';
import { CliContext } from './context.js';
import { registerAudit } from './audit.js';
import { registerCheckpoint } from './checkpoint.js';
import { registerDemo } from './demo.js';
import { registerFinding } from './finding.js';
import { registerLog } from './log.js';
import { registerPolicy } from './policy.js';
import { registerProjections } from './projections.js';
import { registerScan } from './scan.js';
import { registerSchedule } from './schedule.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';
import { registerSync } from './sync.js';
import { registerToken } from './token.js';

const fail = (message: string, code: 1 | 2): number => {
  process.stderr.write(`stance-state: ${redactTokens(message)}\n`);
  return code;
};

export const buildProgram = (ctx: CliContext): Command => {
  // exitOverride() before any .command(), so subcommands inherit it.
  const program = new Command('stance-state')
    .description('event-sourced state engine for cloud security posture scanning')
    .option('--data <dir>', 'data directory (default: $STANCE_STATE_DIR, else ~/.stance-state)')
    .option('--json', 'print JSON (NDJSON for streams of records)')
    .option('--as <name>', 'who is acting, recorded in the events (default: the operating-system user)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerScan(program, ctx);
  registerCheckpoint(program, ctx);
  registerFinding(program, ctx);
  registerStats(program, ctx);
  registerProjections(program, ctx);
  registerSync(program, ctx);
  registerLog(program, ctx);
  registerDemo(program, ctx);
  registerSchedule(program, ctx);
  registerServe(program, ctx);
  registerToken(program, ctx);
  registerPolicy(program, ctx);
  registerAudit(program, ctx);
  return program;
};

/** Runs one command line; returns the exit code (0 ok, 1 domain error or unsound log, 2 bad input). */
export const main = async (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  const ctx = new CliContext(env);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander has printed why
    if (error instanceof InvalidInput) return fail(error.message, 2);
    if (error instanceof DomainError || error instanceof AccessDenied) return fail(error.message, 1);
    if (error instanceof WrongExpectedRevision)
      return fail(`conflict: another writer changed ${error.stream} (revision ${error.actual}); try again`, 1);
    if (error instanceof DuplicateEventId) return fail(error.message, 1);
    if (error instanceof Error && error.name === 'HubError') return fail(error.message, 1);
    if (isEnvironmentError(error)) return fail(error.message, 1);
    throw error; // a bug: keep its stack
  } finally {
    await ctx.close();
  }
};

/** The file system or SQLite refused (no permission, not a database, disk full): one line, not a stack. */
const isEnvironmentError = (error: unknown): error is Error => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    (/^E[A-Z]+$/.test(code) || ['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_IOERR'].some((c) => code.startsWith(c)))
  );
};
