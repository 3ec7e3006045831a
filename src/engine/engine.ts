import { Instant, type ConflictPolicy } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import type { Backend } from '../ports/backend.js';
import type { ProjectionStatus } from '../ports/read-models.js';
import type { Identity } from '../domain/index.js';
import * as access from './access.js';
import * as audit from './audit.js';
import { CallbackRunner, type CallbackOptions, type StateCallback } from './callbacks.js';
import { watchStateChanges } from './state-feed.js';
import { defaultBodySettings, type BodySettings } from './bodies.js';
import * as checkpoints from './checkpoints.js';
import { serialQueue, type Core } from './core.js';
import { getDailySeries } from './daily.js';
import * as findings from './findings.js';
import * as history from './history.js';
import { importFindings, type ImportOptions, type ImportRecord } from './import.js';
import { latestScans, syncOverview } from './overview.js';
import { createJobs } from './jobs.js';
import type {
  CheckpointInput,
  CompleteScanInput,
  DailyWindowInput,
  DecisionInput,
  FalsePositiveInput,
  ListFindingsInput,
  ListScansInput,
  NoteInput,
  StartScanInput,
  SuppressInput,
  TrackFindingInput,
} from './inputs.js';
import * as scans from './scans.js';
import * as sla from './sla.js';
import * as eventSchemas from './event-schemas.js';
import { getFindingStats } from './stats.js';
import * as sessionHolds from './session-holds.js';
import * as sessionRecords from './session-records.js';
import * as sessions from './sessions.js';
import * as storage from './session-storage.js';
import * as stateTypes from './state-types.js';
import * as states from './states.js';
import * as stateHistory from './state-history.js';
import * as stateRecords from './state-records.js';
import { searchStates, type SearchStatesInput } from './state-search.js';
import { countCheckpoints, countScansByStatus, listScanPage, projectionPositions, readConsistent, readModelPosition, type ScanPageInput } from './api-queries.js';

export interface EngineOptions {
  readonly backend: Backend;
  readonly clock?: () => number;
  /** Runs between a decision's load and its commit (tests slip another writer in there). */
  readonly beforeCommit?: () => Promise<void>;
  /** How session bodies are written (gzip level, encryption key, size cap); defaults: level 6, no key, 64 MiB. */
  readonly bodies?: Partial<BodySettings>;
}

/**
 * The seed's StateManager over the event log: commands append events (the domain decides), queries read the
 * projections, which the backend keeps with the same commit where it can. Everything goes through the backend's
 * ports (src/ports): the engine knows no database.
 */
export class StateEngine {
  readonly backend: Backend;
  private readonly core: Core;

  constructor(options: EngineOptions) {
    this.backend = options.backend;
    this.core = {
      backend: options.backend,
      clock: options.clock ?? Date.now,
      beforeCommit: options.beforeCommit,
      serial: serialQueue(),
      bodies: { ...defaultBodySettings, ...options.bodies },
    };
  }

  /** The origin this engine writes under. */
  get origin(): string {
    return this.backend.origin;
  }

  // Scans
  startScan = async (input: StartScanInput, identity?: Identity) => scans.startScan(this.core, input, identity);
  completeScan = async (scanId: string, input: CompleteScanInput, identity?: Identity) =>
    scans.completeScan(this.core, scanId, input, identity);
  cancelScan = async (scanId: string, by = '', reason = '', identity?: Identity) =>
    scans.cancelScan(this.core, scanId, by, reason, identity);
  getScan = async (scanId: string) => scans.getScan(this.core, scanId);
  listScans = async (input: ListScansInput = {}) => scans.listScans(this.core, input);
  getLastScan = async (accountId = '', region = '') => scans.getLastScan(this.core, accountId, region);
  cleanupOldScans = async (days = 90) => scans.cleanupOldScans(this.core, days);
  /** The newest scan of each account and region, whatever its status. */
  latestScans = async () => latestScans(this.core);

  // Checkpoints
  updateCheckpoint = async (input: CheckpointInput, identity?: Identity) =>
    checkpoints.updateCheckpoint(this.core, input, identity);
  getCheckpoint = async (collector: string, accountId = '', region = '') =>
    checkpoints.getCheckpoint(this.core, collector, accountId, region);
  deleteCheckpoint = async (collector: string, accountId = '', region = '', identity?: Identity) =>
    checkpoints.deleteCheckpoint(this.core, collector, accountId, region, identity);
  listCheckpoints = async (filter: { collector?: string | undefined; accountId?: string | undefined } = {}) =>
    checkpoints.listCheckpoints(this.core, filter);

  // Findings
  // Decisions: with an identity, it is the actor (its scopes apply) and `by` names whom an admin or service acts for.
  trackFinding = async (input: TrackFindingInput, identity?: Identity) => findings.trackFinding(this.core, input, identity);
  trackFindings = async (
    records: readonly TrackFindingInput[],
    options: { scanId?: string | undefined } = {},
    identity?: Identity,
  ) => findings.trackFindings(this.core, records, options, identity);
  resolveFinding = async (findingId: string, input: DecisionInput = {}, identity?: Identity) =>
    findings.resolveFinding(this.core, findingId, input, identity);
  suppressFinding = async (findingId: string, input: SuppressInput, identity?: Identity) =>
    findings.suppressFinding(this.core, findingId, input, identity);
  unsuppressFinding = async (findingId: string, by?: string, identity?: Identity) =>
    findings.unsuppressFinding(this.core, findingId, { by }, identity);
  markFalsePositive = async (findingId: string, input: FalsePositiveInput, identity?: Identity) =>
    findings.markFalsePositive(this.core, findingId, input, identity);
  addFindingNote = async (findingId: string, input: NoteInput, identity?: Identity) =>
    findings.addFindingNote(this.core, findingId, input, identity);
  /** All or nothing; `read` is called twice (check, then append): see import.ts. */
  importFindings = async (read: () => Iterable<ImportRecord>, options: ImportOptions = {}) =>
    importFindings(this.core, read, options);
  getFindingState = async (findingId: string) => findings.getFindingState(this.core, findingId);
  listFindingStates = async (input: ListFindingsInput = {}) => findings.listFindingStates(this.core, input);
  getFindingStats = async () => getFindingStats(this.core);
  /** New, resolved and open findings per UTC day (the finding_days read model). */
  getDailySeries = async (window: DailyWindowInput = {}) => getDailySeries(this.core, window);
  expireSuppressions = async () => scans.expireSuppressions(this.core);

  // Audit
  getFindingHistory = async (findingId: string) => history.getFindingHistory(this.core, findingId);
  getFindingAsOf = async (findingId: string, asOf: string) => {
    if (!Instant.is(asOf)) throw new InvalidInput('as_of', asOf, 'an ISO-8601 UTC instant');
    return history.getFindingAsOf(this.core, findingId, asOf);
  };

  // Access: identities (tokens), the suppression policy, the access audit
  readonly access = {
    createToken: async (input: access.CreateTokenInput, identity?: Identity) => access.createToken(this.core, input, identity),
    revokeToken: async (name: string, identity?: Identity) => access.revokeToken(this.core, name, identity),
    listTokens: async () => access.listTokens(this.core),
    authenticate: async (token: string): Promise<Identity | null> => access.authenticate(this.core, token),
    hasActiveTokens: async (): Promise<boolean> => access.hasActiveTokens(this.core),
    suppressionPolicy: async () => access.getSuppressionPolicy(this.core),
    setSuppressionPolicy: async (maxDays: number | null, identity?: Identity) =>
      access.setSuppressionPolicy(this.core, maxDays, identity),
    recordRefusal: async (refusal: audit.Refusal): Promise<void> => audit.recordRefusal(this.core, refusal),
    audit: async (options: { since?: string | undefined; limit?: number | undefined } = {}) =>
      audit.listAudit(this.core, options),
  };

  // The SLA policy: days to remediate per severity (an event; deadlines follow it at once, nothing rebuilds)
  readonly sla = {
    policy: async () => sla.getSlaPolicy(this.core),
    setPolicy: async (input: sla.SlaPolicyInput, identity?: Identity) => sla.setSlaPolicy(this.core, input, identity),
  };

  // Event schemas: what readers upcast to, what writers write (rolled out readers first)
  readonly schemas = {
    list: async () => eventSchemas.eventSchemas(this.core),
    setWrite: async (type: string, schema: number) => eventSchemas.setWriteSchema(this.core, type, schema),
  };

  // Projections
  projectionStatus = async (): Promise<ProjectionStatus[]> => this.backend.status();
  projectionNames = (): string[] => this.backend.projectionNames();
  rebuildProjections = async (name?: string, onProgress?: (name: string, done: number, total: number) => void) => {
    if (name !== undefined && !this.backend.projectionNames().includes(name))
      throw new InvalidInput('projection', name, `one of ${this.backend.projectionNames().join(', ')}`);
    return this.backend.rebuild(name, onProgress);
  };
  /**
   * Sets the conflict policy replicas merge concurrent decisions with (sync's --conflict) and reads the trust
   * records again; when the merge changed, the projections are folded again. Returns whether they were.
   */
  remerge = (policy?: ConflictPolicy): Promise<boolean> => this.backend.remerge(policy);
  mergeContext = () => this.backend.merge();

  /** Applies what other writers appended without projections; the position every read model reflects. */
  refresh = async (): Promise<number> => {
    await this.backend.refresh();
    return readModelPosition(this.core);
  };

  /** Read-your-writes when read models may run behind: true once every read model reflects `position`. */
  waitFor = (position: number, timeoutMs: number): Promise<boolean> => this.backend.waitFor(position, timeoutMs);

  /** Runs `read` on one consistent snapshot of the read models, with the position it reflects. */
  readConsistent = <T>(read: () => Promise<T>): Promise<{ position: number; value: T }> => readConsistent(this.core, read);
  projectionPositions = () => projectionPositions(this.core);
  readModelPosition = () => readModelPosition(this.core);
  listScanPage = (input: ScanPageInput) => listScanPage(this.core, input);
  countScansByStatus = () => countScansByStatus(this.core);
  countCheckpoints = () => countCheckpoints(this.core);

  /** Per hub and origin: what was pushed and pulled, how new the newest pulled event is, blocks (sync_status). */
  syncOverview = async () => syncOverview(this.core);

  // Typed states (seed 003): src/engine/states.ts, state-search.ts, state-types.ts
  readonly states = {
    register: (input: states.RegisterStateInput, options?: states.StateOptions) => states.registerState(this.core, input, options),
    change: (stateId: string, input: states.ChangeStateInput, options?: states.StateOptions) => states.changeState(this.core, stateId, input, options),
    rollback: (stateId: string, toRevision: number, options?: states.StateOptions) => states.rollbackState(this.core, stateId, toRevision, options),
    get: (stateId: string) => stateRecords.getState(this.core, stateId),
    asOf: (stateId: string, asOf: string) => stateHistory.getStateAsOf(this.core, stateId, asOf),
    list: (input: stateRecords.ListStatesInput = {}) => stateRecords.listStates(this.core, input),
    search: (input: SearchStatesInput) => searchStates(this.core, input),
    history: (stateId: string) => stateHistory.getStateHistory(this.core, stateId),
    changes: (input: stateRecords.ListChangesInput = {}) => stateRecords.listStateChanges(this.core, input),
    counts: () => stateRecords.stateCounts(this.core),
    defineType: (type: string, table: unknown, identity?: Identity) => stateTypes.defineStateType(this.core, type, table, identity),
    setSchema: (type: string, schema: unknown, identity?: Identity) => stateTypes.setStateSchema(this.core, type, schema, identity),
    getType: (type: string) => stateTypes.getStateType(this.core, type),
    listTypes: () => stateTypes.listStateTypes(this.core),
  };

  // Sessions and checkpoints (seed 004): src/engine/sessions.ts, session-storage.ts; bodies in the blob port
  readonly sessions = {
    save: (sessionId: string, document: unknown, options?: sessions.WriteOptions) => sessions.saveSession(this.core, sessionId, document, options),
    load: (sessionId: string) => sessionRecords.loadSession(this.core, sessionId),
    get: (sessionId: string) => sessionRecords.getSession(this.core, sessionId),
    list: (options?: { status?: string | undefined; limit?: number | undefined }) => sessionRecords.listSessions(this.core, options),
    createCheckpoint: (sessionId: string, document: unknown, options?: sessions.WriteOptions & { branch?: string | undefined }) =>
      sessions.createCheckpoint(this.core, sessionId, document, options),
    restoreCheckpoint: (checkpointId: string, options?: sessions.WriteOptions) => sessions.restoreCheckpoint(this.core, checkpointId, options),
    getCheckpoint: (checkpointId: string) => sessionRecords.getCheckpoint(this.core, checkpointId),
    listCheckpoints: (sessionId: string) => sessionRecords.listCheckpoints(this.core, sessionId),
    cleanupCheckpoints: (sessionId: string, keepLast: number, identity?: Identity) => storage.cleanupCheckpoints(this.core, sessionId, keepLast, { identity }),
    pause: (sessionId: string, options?: sessions.WriteOptions & { document?: unknown }) => sessions.pauseSession(this.core, sessionId, options),
    resume: (sessionId: string, options: { owner: string; leaseMs?: number | undefined; fence?: number | undefined; identity?: Identity | undefined }) =>
      sessionHolds.resumeSession(this.core, sessionId, options),
    claim: (sessionId: string, options: { owner: string; leaseMs?: number | undefined; identity?: Identity | undefined }) =>
      sessionHolds.claimSession(this.core, sessionId, options),
    renew: (sessionId: string, fence: number, options?: { leaseMs?: number | undefined; identity?: Identity | undefined }) =>
      sessionHolds.renewSessionLease(this.core, sessionId, fence, options),
    release: (sessionId: string, fence: number, identity?: Identity) => sessionHolds.releaseSession(this.core, sessionId, fence, { identity }),
    recover: (identity?: Identity) => sessionHolds.recoverSessions(this.core, { identity }),
    cleanupOld: (options: { olderThanDays: number; keepLast?: number | undefined; identity?: Identity | undefined }) => storage.cleanupOldSessions(this.core, options),
    stats: () => storage.storageStats(this.core),
    vacuum: (options?: { graceMs?: number | undefined; identity?: Identity | undefined }) => storage.vacuumStorage(this.core, options),
  };

  /** A named consumer of state changes, started (see CallbackRunner): the manager's registerCallback. */
  runCallback = (name: string, handler: StateCallback, options?: CallbackOptions): CallbackRunner => new CallbackRunner(this.core, name, handler, options).start();
  /** Changes of typed states from a position on, then live (`state watch`). */
  watchStates = (options?: { fromPosition?: number; signal?: AbortSignal; caughtUp?: (position: number) => void }) => watchStateChanges(this.backend.log, options);
  /** The engine's clock (epoch ms). */
  now = (): number => this.core.clock();

  // Jobs (the scheduler's commands and queries): src/engine/jobs.ts
  readonly jobs = createJobs(() => this.core);

  close = async (): Promise<void> => this.backend.close();
}
