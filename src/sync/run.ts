import type { ConflictPolicy } from '../events/index.js';
import type { StateEngine } from '../engine/index.js';
import type { BatchSecurity } from './batch.js';
import { credentialKey, resolveTrust, type TrustPolicy } from './trust.js';
import type { SignedCredential } from './credential.js';
import type { HubStorage } from './hub/index.js';
import { ensureOrigin } from './origin.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { emptyResult, type SyncDirection, type SyncResult } from './result.js';

export interface SyncOptions {
  readonly direction: SyncDirection;
  readonly policy: ConflictPolicy;
  readonly batchSize: number;
  readonly security: BatchSecurity;
  readonly origin?: string | undefined;
  readonly central?: boolean | undefined;
  /** This origin's credential: published on the hub (create-only) so replicas trusting the organisation find it. */
  readonly credential?: SignedCredential | undefined;
  readonly clock?: () => number;
  readonly onBatch?: (events: number) => void;
}

/**
 * One sync round with a hub: resolve what this replica trusts, pull (so what this origin writes next sorts after
 * what it learned), then push. Hub failures after the adapter's retries end the round with the error in the
 * result; what was done stays done and recorded, so running again continues where it stopped.
 */
export const sync = async (engine: StateEngine, hub: HubStorage, options: SyncOptions): Promise<SyncResult> => {
  const clock = options.clock ?? Date.now;
  const started = Date.now();
  const info = await ensureOrigin(engine, { origin: options.origin, central: options.central }, clock());
  const result = emptyResult(options.direction, hub.url, info.origin, options.policy);
  try {
    if (options.credential !== undefined) await publishCredential(hub, options.credential);
    const trust: TrustPolicy = await resolveTrust(engine, hub, options.security, clock());
    result.trust = trust.mode;
    result.warnings.push(...trust.warnings);
    // The policy and the trust are the data dir's: read models fold concurrent decisions by them, so a change
    // folds them again.
    await engine.remerge(options.policy);
    const common = { trust, clock, ...(options.onBatch ? { onBatch: options.onBatch } : {}) };
    if (options.direction !== 'push') await pull(engine, hub, { ...common, policy: options.policy }, result);
    if (options.direction !== 'pull') await push(engine, hub, { ...common, batchSize: options.batchSize }, result);
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'HubError') throw error;
    result.success = false;
    result.errors.push(error.message);
  }
  result.duration_seconds = Math.round((Date.now() - started) / 10) / 100;
  return result;
};

/** Publishes a credential where replicas look for them; the same one already there is fine. */
export const publishCredential = async (hub: HubStorage, signed: SignedCredential): Promise<void> => {
  const body = Buffer.from(`${JSON.stringify(signed)}\n`);
  await hub.create(credentialKey(signed.credential), body, { format: 'stance-state-credential-v1' });
};
