import * as t from 'io-ts';
import { Id, Instant, JsonRecord, Text } from './primitives.js';
import { Scope } from './scan.js';

/** Schema 1 of each checkpoint event's data. */
export const checkpointEvents = {
  CheckpointUpdated: t.strict({
    collector: Id,
    accountId: Scope,
    region: Scope,
    scanId: Id,
    /** The scan time the checkpoint stands at; it only moves forward unless `forced`. */
    scanTime: Instant,
    cursor: Text,
    forced: t.boolean,
    metadata: JsonRecord,
  }),
  CheckpointDeleted: t.strict({ collector: Id, accountId: Scope, region: Scope, deletedAt: Instant }),
};
