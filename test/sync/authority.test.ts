import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import {
  issueRevocation,
  revocationKey,
  setTrustDocument,
  sync,
  type HubStorage,
  type SignedCredential,
  type SyncResult,
} from '../../src/sync/index.js';
import { onBackend, TestClock } from '../support/engine.js';
import { fromOrigin as eventsFrom, headOf } from '../support/log.js';
import { directoryHub, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { credential, keyPair, recordedBy, signedBy, type KeyPair } from '../support/trust.js';

/**
 * A fleet run by one organisation: a production spoke (account 111), a sandbox spoke (account 999) and a central
 * where people decide. Replicas trust only the organisation's key; what each origin may say comes from the
 * credential the organisation signed for it, published on the hub.
 */
const Authority = suite(onBackend('sync: authority per origin, from organisation-signed credentials'));
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let org: KeyPair;
const keys: Record<string, KeyPair> = {};
const creds: Record<string, SignedCredential> = {};
let prod: StateEngine;
let sandbox: StateEngine;
let central: StateEngine;
let replica: StateEngine;

Authority.before.each(async () => {
  dir = makeTempDir('authority');
  clock = new TestClock();
  clock.ms = Date.now();
  hub = directoryHub(dir);
  org = keyPair();
  for (const name of ['prod', 'sandbox', 'central']) keys[name] = keyPair();
  creds.prod = credential(org, 'prod', keys.prod as KeyPair, { report: ['111/*'] });
  creds.sandbox = credential(org, 'sandbox', keys.sandbox as KeyPair, { report: ['999'] });
  creds.central = credential(org, 'central', keys.central as KeyPair, { decide: ['*'], central: true });
  prod = await openReplica(dir, 'prod', clock.now);
  sandbox = await openReplica(dir, 'sandbox', clock.now);
  central = await openReplica(dir, 'central', clock.now);
  replica = await openReplica(dir, 'replica', clock.now);
  for (const engine of [prod, sandbox, central, replica]) await setTrustDocument(engine, { organisation_keys: [org.publicKeyPem] }, clock.now());
});
Authority.after.each(async () => {
  for (const engine of [prod, sandbox, central, replica]) await engine.close();
  removeDir(dir);
});

const run = (engine: StateEngine, direction: 'push' | 'pull' | 'bidirectional' = 'bidirectional'): Promise<SyncResult> => {
  const name = engine.backend.origin;
  const key = keys[name];
  return sync(engine, hub, {
    direction,
    policy: 'central_wins',
    batchSize: 50,
    security: key === undefined ? { encryptionKey: null, signingKey: null, trusted: null } : signedBy(key),
    credential: creds[name],
    clock: clock.now,
  });
};
/** A full-scope scan of (account, us-east-1, iam) that sees these findings. */
const scan = async (engine: StateEngine, scanId: string, accountId: string, seen: string[]) => {
  await engine.startScan({ scanId, snapshotId: scanId, accountId, region: 'us-east-1', collectors: ['iam'], fullScope: true });
  await engine.trackFindings(seen.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: 'r', collector: 'iam' })), { scanId });
  await engine.completeScan(scanId, { assetCount: seen.length, findingCount: seen.length });
};
const fromOrigin = async (engine: StateEngine, origin: string) => (await eventsFrom(engine, origin)).length;

Authority('a replica that trusts only the organisation key finds the credentials on the hub and pulls what they allow', async () => {
  await scan(prod, 's1', '111', ['f1']);
  assert.equal((await run(prod)).errors, []);
  const rogue = await openReplica(dir, 'rogue', clock.now);
  await rogue.trackFindings([{ findingId: 'r1', assetId: 'a', ruleId: 'r' }]);
  await sync(rogue, hub, { direction: 'push', policy: 'latest_wins', batchSize: 10, security: signedBy(keyPair()), clock: clock.now });
  await rogue.close();
  const result = await run(replica, 'pull');
  assert.equal(result.errors, []);
  assert.is(result.trust, 'configured');
  assert.match(result.warnings.join('\n'), /pull rogue: not a trusted origin; its batches are not read/);
  assert.is((await replica.getFindingState('f1'))?.account_id, '111');
  assert.is(await replica.getFindingState('r1'), null);
});

Authority('a spoke authorised for account 999 cannot report a scan or sighting for account 111: refused, naming origin, event and right', async () => {
  await scan(sandbox, 's-forged', '111', ['f-prod']);
  const before = await headOf(replica);
  await run(sandbox, 'push');
  const result = await run(replica, 'pull');
  assert.is(result.rejected_batches, 1);
  assert.match(result.errors.join('\n'), /pull sandbox: invalid batch sandbox\/\S+ line 1 \(sandbox\): "ScanStarted on 111\/us-east-1" \(expected an event sandbox may send: it has no report right there\)/);
  assert.is(await fromOrigin(replica, 'sandbox'), 0);
  assert.ok((await headOf(replica)) > before, 'the refusal itself is recorded');
  assert.is(await replica.getFindingState('f-prod'), null);
});

Authority('a spoke without decision rights cannot suppress or resolve; the central, which holds them, can', async () => {
  await scan(prod, 's1', '111', ['f1', 'f2']);
  await run(prod);
  await run(sandbox);
  await sandbox.suppressFinding('f1', { by: 'intruder', reason: 'hide it' });
  await run(sandbox, 'push');
  await run(central);
  await central.suppressFinding('f2', { by: 'secops', reason: 'accepted risk' });
  await run(central, 'push');
  const result = await run(replica, 'pull');
  assert.match(result.errors.join('\n'), /pull sandbox: .*"FindingSuppressed" \(expected an event sandbox may send: it may not make decisions/);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  assert.is((await replica.getFindingState('f2'))?.lifecycle, 'suppressed');
});

Authority('a spoke’s scan cannot resolve another account’s findings', async () => {
  await scan(prod, 's1', '111', ['f1']);
  await run(prod);
  await run(sandbox);
  // The sandbox's own full-scope scan, and a resolution of the production finding dressed as that scan's outcome.
  await scan(sandbox, 's9', '999', ['f9']);
  await sandbox.backend.commit([{ stream: 'finding-f1', events: [{ type: 'FindingResolved', data: { findingId: 'f1', by: 'stance-state', reason: 'not_observed', scanId: 's9', at: clock.iso() } }] }]);
  await run(sandbox, 'push');
  const result = await run(replica, 'pull');
  assert.match(result.errors.join('\n'), /pull sandbox: .*"FindingResolved on 111\/us-east-1" \(expected an event sandbox may send: it has no report right there\)/);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
});

Authority('a sighting of another account’s finding under the spoke’s own scope neither reopens nor moves it', async () => {
  await scan(prod, 's1', '111', ['f1']);
  await run(prod);
  await run(central);
  await central.resolveFinding('f1', { by: 'owner', reason: 'fixed' });
  await run(central);
  await run(sandbox);
  clock.advance(5);
  // Within its rights (account 999), the sandbox says it saw f1.
  await scan(sandbox, 's9', '999', ['f1']);
  await run(sandbox, 'push');
  const result = await run(replica, 'pull');
  assert.equal(result.errors, []);
  const f1 = await replica.getFindingState('f1');
  assert.equal([f1?.lifecycle, f1?.account_id], ['resolved', '111']);
  // Its events are in the log (they are its own facts), and rebuilding folds them the same way.
  assert.ok((await fromOrigin(replica, 'sandbox')) > 0);
  await replica.rebuildProjections();
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'resolved');
});

Authority('a revoked origin’s later batches are refused while its earlier ones stay, on every replica', async () => {
  await scan(prod, 's1', '111', ['f1']);
  await run(prod, 'push');
  await run(replica, 'pull');
  const through = Math.max(...(await recordedBy(prod)).map((e) => e.position));
  const revocation = issueRevocation(org.privateKey, { origin: 'prod', serial: null, keepThrough: through, revokedAt: clock.iso() });
  await hub.create(revocationKey(revocation.revocation), Buffer.from(JSON.stringify(revocation)), { format: 'stance-state-revocation-v1' });
  await scan(prod, 's2', '111', ['f2']);
  await run(prod, 'push');
  const later = await run(replica, 'pull');
  assert.match(later.errors.join('\n'), /pull prod: prod is revoked after its position \d+; \S+ and later batches are refused/);
  assert.is(await replica.getFindingState('f2'), null);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  // A replica that first meets the fleet now takes the same events, not one more.
  const fresh = await openReplica(dir, 'fresh', clock.now);
  await setTrustDocument(fresh, { organisation_keys: [org.publicKeyPem] }, clock.now());
  await run(fresh, 'pull');
  assert.equal([(await fresh.getFindingState('f1'))?.lifecycle, await fresh.getFindingState('f2')], ['new', null]);
  await fresh.close();
});

Authority('an expired credential trusts nothing; a credential from another organisation is ignored', async () => {
  creds.prod = credential(org, 'prod', keys.prod as KeyPair, { report: ['111'], expires: new Date(clock.ms - 1000).toISOString() });
  await scan(prod, 's1', '111', ['f1']);
  await run(prod, 'push');
  const other = keyPair();
  creds.sandbox = credential(other, 'sandbox', keys.sandbox as KeyPair, { report: ['*'], decide: ['*'] });
  await scan(sandbox, 's9', '999', ['f9']);
  await run(sandbox, 'push');
  const result = await run(replica, 'pull');
  assert.match(result.warnings.join('\n'), /pull prod: not a trusted origin/);
  assert.match(result.warnings.join('\n'), /ignored hub object \+trust\/credentials\/\S+: invalid hub object \S+\.signature/);
  assert.equal([await replica.getFindingState('f1'), await replica.getFindingState('f9')], [null, null]);
});

Authority('central_wins follows the central right of a credential', async () => {
  await scan(prod, 's1', '111', ['f1']);
  await run(prod);
  await run(central);
  creds.prod = credential(org, 'prod', keys.prod as KeyPair, { report: ['111'], decide: ['111'] });
  clock.advance(1);
  await central.suppressFinding('f1', { by: 'secops', reason: 'accepted' });
  clock.advance(1);
  await prod.resolveFinding('f1', { by: 'owner', reason: 'fixed' });
  await run(prod);
  await run(central);
  const result = await run(replica, 'pull');
  assert.equal(result.errors, []);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'suppressed');
});

Authority.run();
