import { Command, CommanderError } from 'commander';
import type { AccessDenied, DomainError, InvalidInput } from '../errors.js';
import { redactTokens } from '../redact.js';
import type { DuplicateEventId, WrongExpectedRevision } from '../ports/errors.js';
import type { CliContext } from './context.js';

type Register = (command: Command, ctx: CliContext) => void;

/**
 * The top-level commands as `--help` lists them. A command's module (and what it imports: the engine and SQLite,
 * hubs, the HTTP server, the scheduler) is loaded only when the command line names it, so `--help` loads none and
 * `finding track` loads the engine but no hub, server or scheduler: start-up costs what the command needs.
 */
const commands: readonly { name: string; description: string; load: () => Promise<Register> }[] = [
  { name: 'scan', description: 'record scans and query them', load: async () => (await import('./scan.js')).registerScan },
  {
    name: 'checkpoint',
    description: 'incremental-scan checkpoints per collector, account and region',
    load: async () => (await import('./checkpoint.js')).registerCheckpoint,
  },
  {
    name: 'finding',
    description: 'track findings and record decisions on them',
    load: async () => (await import('./finding.js')).registerFinding,
  },
  {
    name: 'stats',
    description: 'finding counts by lifecycle (uncapped), totals and mean time to resolve',
    load: async () => (await import('./stats.js')).registerStats,
  },
  {
    name: 'projections',
    description: 'the read models the queries use',
    load: async () => (await import('./projections.js')).registerProjections,
  },
  {
    name: 'sync',
    description: 'replicate the log with hubs (a directory or Azure Blob Storage)',
    load: async () => (await import('./sync.js')).registerSync,
  },
  {
    name: 'state',
    description: 'typed states: register, transitions by type tables, schemas, history, search, rollback, watch, health',
    load: async () => (await import('./state.js')).registerState,
  },
  {
    name: 'session',
    description: 'resumable sessions: documents, checkpoints, pause/resume, holders with fencing, recovery, cleanup, stats',
    load: async () => (await import('./session.js')).registerSession,
  },
  { name: 'store', description: 'the store itself: vacuum', load: async () => (await import('./session.js')).registerStore },
  { name: 'log', description: 'inspect and check the event log', load: async () => (await import('./log.js')).registerLog },
  {
    name: 'demo',
    description: 'simulate 30 days of scans (3 accounts x 2 regions, ~100k events) and show scans, stats, one audit trail and log verify',
    load: async () => (await import('./demo.js')).registerDemo,
  },
  {
    name: 'schedule',
    description: 'scheduled scan jobs: cron, AWS cron, rate and one-time',
    load: async () => (await import('./schedule.js')).registerSchedule,
  },
  {
    name: 'scheduler',
    description: 'the scheduler daemon',
    load: async () => (await import('./schedule.js')).registerScheduler,
  },
  { name: 'token', description: 'identities for the HTTP API: per-person and per-service bearer tokens', load: async () => (await import('./token.js')).registerToken },
  { name: 'policy', description: 'rules decisions must follow (recorded as events)', load: async () => (await import('./policy.js')).registerPolicy },
  { name: 'sla', description: 'remediation deadlines per severity (recorded as events)', load: async () => (await import('./sla.js')).registerSla },
  {
    name: 'schema',
    description: 'event schemas: what readers upcast to, what this store writes (roll out readers first)',
    load: async () => (await import('./schema.js')).registerSchema,
  },
  {
    name: 'audit',
    description: 'the access audit, oldest first: tokens made and revoked, policy changes, writes the HTTP API refused',
    load: async () => (await import('./audit.js')).registerAudit,
  },
  {
    name: 'serve',
    description: 'serve the read models over HTTP: /v1, the original’s /api/state/*, /health, /metrics, /openapi',
    load: async () => (await import('./serve.js')).registerServe,
  },
];

/** The global options that take a value: the command's name is the first other word. */
const valued = new Set(['--data', '--store', '--as']);

/** The top-level command a command line names (`help <command>` names it too), or undefined. */
export const commandNamed = (argv: readonly string[]): string | undefined => {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (valued.has(arg)) i += 1;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words[0] === 'help' ? words[1] : words[0];
};

const fail = (message: string, code: 1 | 2): number => {
  process.stderr.write(`stance-state: ${redactTokens(message)}\n`);
  return code;
};

/** The program with every command listed; the named one (if any) fully defined over `ctx`. */
export const buildProgram = async (argv: readonly string[], ctx: () => Promise<CliContext>): Promise<Command> => {
  // exitOverride() before any .command(), so subcommands inherit it.
  const program = new Command('stance-state')
    .description('event-sourced state engine for cloud security posture scanning')
    .option('--data <dir>', 'data directory (default: $STANCE_STATE_DIR, else ~/.stance-state)')
    .option('--store <url>', 'the store: sqlite:<path> (default: <data>/stance.db) or postgres://user@host:port/db?schema=name (or $STANCE_STATE_STORE)')
    .option('--json', 'print JSON (NDJSON for streams of records)')
    .option('--as <name>', 'who is acting, recorded in the events (default: the operating-system user)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const named = commandNamed(argv);
  for (const c of commands) {
    const command = program.command(c.name).description(c.description);
    if (c.name === named) (await c.load())(command, await ctx());
  }
  return program;
};

const named = <E extends Error>(error: unknown, name: string): error is E => error instanceof Error && error.name === name;

/** Runs one command line; returns the exit code (0 ok, 1 domain error or unsound log, 2 bad input). */
export const main = async (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  const opened: { context?: CliContext } = {};
  // The context holds the store and engine: loaded only for a command that may use them.
  const ctx = async () => (opened.context ??= new (await import('./context.js')).CliContext(env));
  try {
    const program = await buildProgram(argv, ctx);
    await program.parseAsync(argv as string[], { from: 'user' });
    return opened.context?.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander has printed why
    // Errors by name: importing their classes would load io-ts, the store and SQLite for every command, --help too.
    if (named<InvalidInput>(error, 'InvalidInput')) return fail(error.message, 2);
    if (named<DomainError>(error, 'DomainError') || named<AccessDenied>(error, 'AccessDenied')) return fail(error.message, 1);
    if (named<WrongExpectedRevision>(error, 'WrongExpectedRevision'))
      return fail(`conflict: another writer changed ${error.stream} (revision ${error.actual}); try again`, 1);
    if (named<DuplicateEventId>(error, 'DuplicateEventId')) return fail(error.message, 1);
    if (named(error, 'HubError')) return fail(error.message, 1);
    if (named(error, 'NewerSchema') || named(error, 'ReadModelsUpgraded')) return fail(error.message, 1);
    if (isEnvironmentError(error)) return fail(error.message, 1);
    throw error; // a bug: keep its stack
  } finally {
    await opened.context?.close();
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
