import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChangeKind, Identity } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import type { JsonRecord, Transition } from '../events/index.js';
import type { CallbackContext, CallbackOptions, CallbackRunner, StateCallback } from './callbacks.js';
import type { StateEngine } from './engine.js';
import { SessionHold } from './session-hold.js';
import { watchStateChanges, type StateChange } from './state-feed.js';
import type { StateHistoryEntry } from './state-history.js';
import type { StateRecord } from './state-records.js';
import type { StateValidator } from './states.js';

/** What the seed's register_state takes besides id and type. */
export interface InitialState {
  readonly name?: string | undefined;
  readonly data: JsonRecord;
  readonly metadata?: JsonRecord | undefined;
}

/** The seed's callback signature: (state_id, old_state, new_state, transition); the change and context follow. */
export type SeedCallback = (
  stateId: string,
  oldState: { readonly status: string | null; readonly data: JsonRecord | null },
  newState: { readonly status: string; readonly data: JsonRecord },
  transition: ChangeKind,
  change: StateChange,
  context: CallbackContext,
) => unknown;

export interface Health {
  readonly status: 'healthy' | 'degraded';
  readonly reasons: readonly string[];
  readonly state_count: number;
  readonly states_by_type: Readonly<Record<string, number>>;
  readonly session_count: number;
  readonly head_position: number;
  /** How far the slowest read model is behind the log (0 where they commit with it). */
  readonly projection_lag: number;
  readonly consumers: readonly {
    readonly name: string;
    readonly holder: string | null;
    readonly fence: number;
    readonly position: number;
    readonly lag: number;
    readonly lease_expires_at: string | null;
    readonly dead_letters: number;
  }[];
  readonly store: string;
  readonly checked_at: string;
}

/** Read models further behind than this make the manager degraded. */
const lagLimit = 1000;

/**
 * The library's face of typed states (seed 003) and resumable sessions (seed 004) over one store: the seeds' method
 * names in camelCase, each a thin call into the engine. One instance per store per process (getStateManager).
 * Validators and callbacks registered here live in this process; JSON Schemas (setStateSchema) live in the log,
 * for every process.
 */
export class StateManager {
  private readonly validators = new Map<string, StateValidator[]>();
  private readonly runners = new Set<CallbackRunner>();
  /** Who this process is when it holds sessions. */
  readonly owner: string;

  constructor(
    readonly engine: StateEngine,
    private readonly onClose: () => Promise<void> = async () => undefined,
    options: { readonly owner?: string; readonly identity?: Identity } = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.identity = options.identity;
  }

  private readonly identity: Identity | undefined;

  private options(type: string) {
    return { validators: this.validators.get(type) ?? [], identity: this.identity };
  }

  // Typed states (seed 003)

  registerState(stateId: string, stateType: string, initial: InitialState): Promise<StateRecord> {
    return this.engine.states.register({ stateId, type: stateType, name: initial.name, data: initial.data, metadata: initial.metadata }, this.options(stateType));
  }

  getState(stateId: string): Promise<StateRecord | null> {
    return this.engine.states.get(stateId);
  }

  /** The seed's update_state: replaces the data (and metadata, when given) under a transition (default update). */
  async updateState(stateId: string, newState: { readonly data: JsonRecord; readonly metadata?: JsonRecord | undefined }, transition: Exclude<Transition, 'create'> = 'update'): Promise<StateRecord> {
    const current = await this.engine.states.get(stateId);
    return this.engine.states.change(stateId, { transition, data: newState.data, metadata: newState.metadata }, this.options(current?.type ?? ''));
  }

  /** A transition that leaves the data as it is (suspend, resume, …). */
  async transition(stateId: string, transition: Exclude<Transition, 'create'>): Promise<StateRecord> {
    const current = await this.engine.states.get(stateId);
    return this.engine.states.change(stateId, { transition }, this.options(current?.type ?? ''));
  }

  async getStatesByType(stateType: string, page: { readonly after?: string; readonly limit?: number } = {}): Promise<StateRecord[]> {
    return (await this.engine.states.list({ type: stateType, after: page.after, limit: page.limit })).states;
  }

  /**
   * The seed's search_states(state_type, filters): `{ 'data.status': 'active' }` is equality; conditions may also
   * be written out (`['data.amount>100']`).
   */
  async searchStates(
    stateType: string,
    filters: Readonly<Record<string, string | number | boolean | null>> | readonly string[] = [],
    page: { readonly after?: string; readonly limit?: number } = {},
  ) {
    const where = Array.isArray(filters)
      ? [...(filters as readonly string[])]
      : Object.entries(filters).map(([path, value]) => `${path}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    return this.engine.states.search({ type: stateType, where, after: page.after, limit: page.limit });
  }

  getStateHistory(stateId: string): Promise<StateHistoryEntry[]> {
    return this.engine.states.history(stateId);
  }

  getRecentChanges(options: { readonly stateId?: string; readonly limit?: number } = {}) {
    return this.engine.states.changes({ stateId: options.stateId, limit: options.limit });
  }

  getChangesByTransition(transition: ChangeKind, options: { readonly stateId?: string; readonly limit?: number } = {}) {
    return this.engine.states.changes({ transition, stateId: options.stateId, limit: options.limit });
  }

  getStateAsOf(stateId: string, instant: string): Promise<StateRecord | null> {
    return this.engine.states.asOf(stateId, instant);
  }

  async rollbackState(stateId: string, toRevision: number): Promise<StateRecord> {
    const current = await this.engine.states.get(stateId);
    return this.engine.states.rollback(stateId, toRevision, this.options(current?.type ?? ''));
  }

  /** The seed's register_validator: run in this process after the type's JSON Schema, on every data change. */
  registerValidator(stateType: string, validator: StateValidator): void {
    if (typeof validator !== 'function') throw new InvalidInput('validator', validator, 'a function');
    const list = this.validators.get(stateType) ?? [];
    list.push(validator);
    this.validators.set(stateType, list);
  }

  defineStateType(stateType: string, table: unknown) {
    return this.engine.states.defineType(stateType, table, this.identity);
  }

  setStateSchema(stateType: string, schema: JsonRecord | null) {
    return this.engine.states.setSchema(stateType, schema, this.identity);
  }

  /**
   * The seed's register_callback: `name` is the consumer (its position and lease are kept in the store, shared by
   * every process that registers the same name). Returns the runner; stop it (or close the manager) to let go.
   */
  registerCallback(name: string, callback: SeedCallback, options: CallbackOptions = {}): CallbackRunner {
    const handler: StateCallback = (change, context) =>
      callback(change.state_id, { status: change.from_status, data: change.old_data }, { status: change.status, data: change.new_data }, change.transition, change, context);
    const runner = this.engine.runCallback(name, handler, options);
    this.runners.add(runner);
    return runner;
  }

  async unregisterCallback(runner: CallbackRunner): Promise<void> {
    this.runners.delete(runner);
    await runner.stop();
  }

  /** Every change from a position on (default: from now), live: what `state watch` prints. */
  watch(options: { readonly fromPosition?: number; readonly signal?: AbortSignal } = {}): AsyncGenerator<StateChange> {
    return watchStateChanges(this.engine.backend.log, options);
  }

  async getHealthStatus(): Promise<Health> {
    const [counts, head, positions, consumers, sessions] = await Promise.all([
      this.engine.states.counts(),
      this.engine.backend.log.headPosition(),
      this.engine.backend.models.positions(),
      this.engine.backend.consumers.list(),
      this.engine.sessions.stats(),
    ]);
    const lag = Math.max(0, head - Math.min(head, ...positions.map((p) => p.position)));
    const reasons: string[] = [];
    if (lag > lagLimit) reasons.push(`read models ${lag} events behind the log`);
    for (const c of consumers) if (c.deadLetters > 0) reasons.push(`consumer ${c.name}: ${c.deadLetters} dead letters`);
    return {
      status: reasons.length === 0 ? 'healthy' : 'degraded',
      reasons,
      state_count: counts.states,
      states_by_type: counts.by_type,
      session_count: sessions.session_count,
      head_position: head,
      projection_lag: lag,
      consumers: consumers.map((c) => ({
        name: c.name,
        holder: c.holder,
        fence: c.fence,
        position: c.position,
        lag: Math.max(0, head - c.position),
        lease_expires_at: c.holder === null ? null : new Date(c.expiresAt).toISOString(),
        dead_letters: c.deadLetters,
      })),
      store: this.engine.backend.description,
      checked_at: new Date(this.engine.now()).toISOString(),
    };
  }

  // Sessions (seed 004)

  saveSession(sessionId: string, state: JsonRecord) {
    return this.engine.sessions.save(sessionId, state, { identity: this.identity });
  }

  /** The document, or null for a session never saved. */
  async loadSession(sessionId: string): Promise<JsonRecord | null> {
    return (await this.engine.sessions.load(sessionId))?.document ?? null;
  }

  createCheckpoint(sessionId: string, checkpointData: JsonRecord, options: { readonly branch?: string; readonly fence?: number } = {}) {
    return this.engine.sessions.createCheckpoint(sessionId, checkpointData, { branch: options.branch, fence: options.fence, identity: this.identity });
  }

  restoreCheckpoint(checkpointId: string, options: { readonly fence?: number } = {}) {
    return this.engine.sessions.restoreCheckpoint(checkpointId, { fence: options.fence, identity: this.identity });
  }

  listCheckpoints(sessionId: string) {
    return this.engine.sessions.listCheckpoints(sessionId);
  }

  cleanupCheckpoints(sessionId: string, keepLast: number) {
    return this.engine.sessions.cleanupCheckpoints(sessionId, keepLast, this.identity);
  }

  pauseSession(sessionId: string, state?: JsonRecord, options: { readonly fence?: number } = {}) {
    return this.engine.sessions.pause(sessionId, { fence: options.fence, identity: this.identity, ...(state === undefined ? {} : { document: state }) });
  }

  /** Resumes a paused session from its latest checkpoint and holds it for this process. */
  async resumeSession(sessionId: string, options: { readonly leaseMs?: number } = {}): Promise<{ readonly document: JsonRecord | null; readonly hold: SessionHold }> {
    const leaseMs = options.leaseMs ?? 60_000;
    const resumed = await this.engine.sessions.resume(sessionId, { owner: this.owner, leaseMs, identity: this.identity });
    return { document: resumed.document, hold: new SessionHold(this.engine, sessionId, resumed.fence, leaseMs) };
  }

  /** Holds a session for this process: its writes go through the hold, which renews the lease until released. */
  async holdSession(sessionId: string, options: { readonly leaseMs?: number } = {}): Promise<SessionHold> {
    const leaseMs = options.leaseMs ?? 60_000;
    const held = await this.engine.sessions.claim(sessionId, { owner: this.owner, leaseMs, identity: this.identity });
    return new SessionHold(this.engine, sessionId, held.fence, leaseMs);
  }

  recoverSessions() {
    return this.engine.sessions.recover(this.identity);
  }

  cleanupOldSessions(olderThanDays: number, keepLast = 0) {
    return this.engine.sessions.cleanupOld({ olderThanDays, keepLast, identity: this.identity });
  }

  getStorageStats() {
    return this.engine.sessions.stats();
  }

  vacuumStorage(options: { readonly graceMs?: number } = {}) {
    return this.engine.sessions.vacuum({ graceMs: options.graceMs, identity: this.identity });
  }

  /** Stops this process's callbacks and closes the store (and forgets the instance, so the next get opens anew). */
  async close(): Promise<void> {
    await Promise.all([...this.runners].map((r) => r.stop()));
    this.runners.clear();
    await this.onClose();
  }
}
