import type { Instant, JsonRecord, TransitionTable } from '../../src/events/index.js';
import { builtinTables, type StateCommand, type StateEvent } from '../../src/domain/index.js';
import { at } from './events.js';

/** Day `n` of January 2026 as an Instant. */
export const day = (n: number): Instant => at(n) as Instant;

/** A state registered straight into `status` (events carry the status they leave, so any status can be given). */
export const registered = (stateId: string, type: keyof typeof builtinTables, status: string, data: JsonRecord = {}, when = day(1)): StateEvent => ({
  type: 'StateRegistered',
  data: { stateId, name: '', type, status, data, metadata: {}, at: when },
});

export const register = (stateId: string, type: string, table: TransitionTable, data: JsonRecord = {}, when = day(1)): StateCommand => ({
  type: 'RegisterState',
  data: { stateId, name: '', type, data, metadata: {}, at: when, table },
});

export const change = (
  stateId: string,
  transition: 'update' | 'activate' | 'suspend' | 'resume' | 'expire' | 'delete',
  table: TransitionTable,
  data: JsonRecord | null = null,
  when = day(2),
): StateCommand => ({ type: 'ChangeState', data: { stateId, transition, data, metadata: null, at: when, table } });

export const changed = (
  stateId: string,
  transition: 'update' | 'activate' | 'suspend' | 'resume' | 'expire' | 'delete',
  fromStatus: string,
  status: string,
  data: JsonRecord = {},
  when = day(2),
): StateEvent => ({ type: 'StateChanged', data: { stateId, transition, fromStatus, status, data, metadata: {}, at: when } });
