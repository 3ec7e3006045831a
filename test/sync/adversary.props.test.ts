import fc from 'fast-check';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { fileHub, parseBatchKey, sync, type BatchSecurity, type HubObject, type HubStorage } from '../../src/sync/index.js';
import { DomainError } from '../../src/errors.js';
import { onBackend } from '../support/engine.js';
import { fromOrigin } from '../support/log.js';
import { openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { keyPair, plantBatch, recordedBy, signedBy } from '../support/trust.js';

/**
 * Honest origins push while an adversary with write access to the hub deletes, truncates, reorders, duplicates,
 * forges and replays batches. Whatever it does, each replica holds of each origin a prefix of that origin's honest
 * log (never a gap, never an event the origin did not write); once it stops and the hub is repaired, replicas
 * converge.
 */
const Adversary = suite(onBackend('sync: replicas under an adversary that writes to the hub'));
let dir = '';
Adversary.before(() => {
  dir = makeTempDir('adversary');
});
Adversary.after(() => removeDir(dir));

type Step =
  | { kind: 'write'; origin: number; finding: number; decide: boolean }
  | { kind: 'push'; origin: number; batchSize: number }
  | { kind: 'pull'; replica: number }
  | { kind: 'attack'; how: 'delete' | 'truncate' | 'reorder' | 'duplicate' | 'forge' | 'replay'; pick: number };

const step = (forge: boolean): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), origin: fc.nat({ max: 1 }), finding: fc.nat({ max: 3 }), decide: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), origin: fc.nat({ max: 1 }), batchSize: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('pull' as const), replica: fc.nat({ max: 1 }) }) },
    { weight: 3, arbitrary: fc.record({
      kind: fc.constant('attack' as const),
      how: forge
        ? fc.constantFrom('delete' as const, 'truncate' as const, 'reorder' as const, 'duplicate' as const, 'forge' as const, 'replay' as const)
        : fc.constantFrom('delete' as const, 'truncate' as const, 'reorder' as const, 'duplicate' as const, 'replay' as const),
      pick: fc.nat(),
    }) },
  );

let world = 0;
const property = (signed: boolean) =>
  fc.asyncProperty(fc.array(step(signed), { minLength: 12, maxLength: 40 }), async (steps) => {
    world += 1;
    const now = { ms: Date.now() };
    const clock = () => now.ms;
    const hub: HubStorage = fileHub({ root: join(dir, `hub-${world}`) });
    const origins: StateEngine[] = [];
    for (const name of ['o1', 'o2']) origins.push(await openReplica(join(dir), `${name}-${world}`, clock));
    const replicas: StateEngine[] = [];
    for (const name of ['r1', 'r2']) replicas.push(await openReplica(join(dir), `${name}-${world}`, clock));
    const keys = origins.map(() => keyPair());
    const attacker = keyPair();
    const names = origins.map((o) => o.backend.origin);
    const trusting: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: signed ? new Map(names.map((n, i) => [n, (keys[i] as ReturnType<typeof keyPair>).publicKey])) : null };
    const pushing = (i: number): BatchSecurity => (signed ? signedBy(keys[i] as ReturnType<typeof keyPair>) : { encryptionKey: null, signingKey: null, trusted: null });
    /** The originals of what the adversary touched, and what it planted: the repair puts back the one, removes the other. */
    const originals = new Map<string, HubObject>();
    const planted = new Set<string>();
    const batchKeys = async () => {
      const keys: string[] = [];
      for (const n of names) for await (const k of hub.list(`${n}/`)) if (parseBatchKey(k) !== null) keys.push(k);
      return keys;
    };
    const save = async (key: string) => {
      if (originals.has(key) || planted.has(key)) return;
      const object = await hub.read(key);
      if (object !== null) originals.set(key, object);
    };
    const replace = async (key: string, body: Buffer, metadata: Record<string, string>) => {
      await save(key);
      await hub.delete(key);
      await hub.create(key, body, metadata);
    };
    /** Each replica holds, of each origin, exactly the first k of its replicated events, for some k. */
    const prefixesOnly = async (replica: StateEngine) => {
      for (const origin of origins) {
        const honest = (await recordedBy(origin, (e) => !e.stream.startsWith('sync-'))).map((e) => e.id);
        const held = new Set((await fromOrigin(replica, origin.backend.origin)).map((e) => e.id));
        const k = honest.filter((id) => held.has(id)).length;
        assert.equal(honest.slice(0, k).every((id) => held.has(id)), true, `no gap in ${origin.backend.origin}`);
        assert.is(held.size, k, `nothing ${origin.backend.origin} did not write`);
      }
    };
    try {
      for (const s of steps) {
        now.ms += 1000;
        if (s.kind === 'write') {
          const engine = origins[s.origin] as StateEngine;
          const id = `f${s.finding}`;
          try {
            if (s.decide) await engine.suppressFinding(id, { by: engine.backend.origin, reason: 'r' });
            else await engine.trackFindings([{ findingId: id, assetId: 'a', ruleId: 'r' }]);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
        } else if (s.kind === 'push') {
          await sync(origins[s.origin] as StateEngine, hub, { direction: 'push', policy: 'latest_wins', batchSize: s.batchSize, security: pushing(s.origin), clock });
        } else if (s.kind === 'pull') {
          const replica = replicas[s.replica] as StateEngine;
          await sync(replica, hub, { direction: 'pull', policy: 'latest_wins', batchSize: 5, security: trusting, clock });
          await prefixesOnly(replica);
        } else {
          const keys = await batchKeys();
          // A forger extends an origin's newest batch (what a replica would take next); the rest pick any batch.
          const newest = names.map((n) => keys.filter((k) => k.startsWith(`${n}/`)).sort((a, b) => (parseBatchKey(a)?.last ?? 0) - (parseBatchKey(b)?.last ?? 0)).at(-1));
          const key = s.how === 'forge' ? newest[s.pick % 2] : keys[s.pick % Math.max(1, keys.length)];
          if (key === undefined) continue;
          const object = await hub.read(key);
          if (object === null) continue;
          const name = parseBatchKey(key);
          if (s.how === 'delete') {
            await save(key);
            await hub.delete(key);
          } else if (s.how === 'truncate') await replace(key, object.body.subarray(0, Math.floor(object.body.length / 2)), object.metadata);
          else if (s.how === 'reorder') {
            const other = keys.filter((k) => k !== key && k.split('/')[0] === key.split('/')[0])[s.pick % 2];
            const swap = other === undefined ? null : await hub.read(other);
            if (other === undefined || swap === null) continue;
            await replace(key, swap.body, object.metadata);
            await replace(other, object.body, swap.metadata);
          } else if (s.how === 'duplicate' && name !== null) {
            // The same object again under the flat layout of the first format.
            const flat = `${key.split('/')[0]}/${String(name.first).padStart(16, '0')}-${String(name.last).padStart(16, '0')}.ndjson.gz`;
            if ((await hub.create(flat, object.body, object.metadata)) === 'created') planted.add(flat);
          } else if (s.how === 'replay' && name !== null) {
            // An old batch's body and signature under a later position of its origin.
            const first = name.last + 1 + (s.pick % 3);
            const key2 = `${key.split('/')[0]}/${String(first).padStart(16, '0')}-${String(first).padStart(16, '0')}.ndjson.gz`;
            const meta = { ...object.metadata, first_position: String(first), last_position: String(first), previous: String(name.last) };
            if ((await hub.create(key2, object.body, meta)) === 'created') planted.add(key2);
          } else if (s.how === 'forge' && name !== null) {
            // Events the attacker wrote itself under an honest origin's name, with valid checksums (they are not
            // keyed), chained after that origin's batch and signed with the attacker's own key.
            const liarDir = join(dir, `liar-${world}-${planted.size}`);
            mkdirSync(liarDir, { recursive: true });
            const liar = await openReplica(liarDir, name.origin, clock);
            try {
              await liar.trackFindings([{ findingId: `forged-${planted.size}`, assetId: 'a', ruleId: 'r' }]);
              const forged = (await recordedBy(liar, (e) => e.stream.startsWith('finding-'))).map((e, i) => ({ ...e, position: name.last + 1 + i }));
              const batch = await plantBatch(hub, name.origin, forged, { position: name.last, sha256: object.metadata.sha256 ?? null }, signedBy(attacker));
              planted.add(batch.key);
            } finally {
              await liar.close();
            }
          }
        }
      }
      // The adversary stops; the hub is repaired; everyone pushes what is left, and every replica pulls twice.
      for (const key of planted) await hub.delete(key);
      for (const [key, object] of originals) {
        await hub.delete(key);
        await hub.create(key, object.body, object.metadata);
      }
      for (const [i, origin] of origins.entries())
        assert.equal((await sync(origin, hub, { direction: 'push', policy: 'latest_wins', batchSize: 4, security: pushing(i), clock })).errors, []);
      for (const replica of replicas)
        for (const _ of [0, 1]) {
          const result = await sync(replica, hub, { direction: 'pull', policy: 'latest_wins', batchSize: 5, security: trusting, clock });
          assert.equal(result.errors, [], replica.backend.origin);
        }
      for (const replica of replicas) {
        await prefixesOnly(replica);
        for (const origin of origins) {
          const honest = (await recordedBy(origin, (e) => !e.stream.startsWith('sync-'))).length;
          const held = (await fromOrigin(replica, origin.backend.origin)).length;
          assert.is(held, honest, `every event of ${origin.backend.origin} arrived`);
        }
        assert.ok((await replica.backend.log.verify()).ok);
      }
      // A row's position and this origin's revision are each replica's own bookkeeping; the rest must agree.
      const states = async (engine: StateEngine) =>
        (await engine.backend.models.rows({ table: 'findings', order: [{ column: 'finding_id' }] })).map((r) =>
          Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'position' && k !== 'revision')),
        );
      assert.equal(await states(replicas[1] as StateEngine), await states(replicas[0] as StateEngine), 'replicas converge');
    } finally {
      for (const engine of [...origins, ...replicas]) await engine.close();
    }
  });

Adversary('signed: whatever the adversary does, replicas hold prefixes of honest logs, and converge after repair', async () => {
  await fc.assert(property(true), { numRuns: Number(process.env.ADVERSARY_RUNS ?? 25) });
});

Adversary('unsigned: the chain of hashes alone keeps deletions, truncations, reorders, duplicates and replays out', async () => {
  await fc.assert(property(false), { numRuns: Number(process.env.ADVERSARY_RUNS ?? 25) });
});

Adversary.run();
