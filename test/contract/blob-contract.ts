import { createHash, randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BlobStore } from '../../src/ports/blobs.js';
import type { ConsumerLease, Consumers } from '../../src/ports/consumers.js';

export interface BlobsUnderTest {
  readonly blobs: BlobStore;
  readonly consumers: Consumers;
  dispose(): Promise<void>;
}
export type BlobsFactory = () => Promise<BlobsUnderTest>;

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The blob and consumer ports: every backend runs these same cases (SQLite in the log's file, PostgreSQL in the
 * deployment's schema). Each test opens its own store.
 */
export const runBlobContract = (backend: string, factory: BlobsFactory): void => {
  const Blobs = suite(`blob and consumer ports (${backend})`);
  const withBlobs = async (body: (b: BlobsUnderTest) => Promise<void>) => {
    const b = await factory();
    try {
      await body(b);
    } finally {
      await b.dispose();
    }
  };

  Blobs('a body is stored under the SHA-256 of its bytes and read back byte for byte; a second put is no news', () =>
    withBlobs(async ({ blobs }) => {
      const bytes = randomBytes(5000);
      assert.is(await blobs.put(sha(bytes), bytes), true);
      assert.is(await blobs.put(sha(bytes), bytes), false);
      assert.equal(await blobs.get(sha(bytes)), bytes);
      assert.is(await blobs.get('0'.repeat(64)), null);
    }));

  Blobs('bytes that do not hash to the address are refused and nothing is stored', () =>
    withBlobs(async ({ blobs }) => {
      const bytes = randomBytes(10);
      let refused = false;
      try {
        await blobs.put('a'.repeat(64), bytes);
      } catch {
        refused = true;
      }
      assert.ok(refused);
      assert.equal((await blobs.stats()).count, 0);
    }));

  Blobs('has, list in address order with paging, delete and stats agree', () =>
    withBlobs(async ({ blobs }) => {
      const bodies = Array.from({ length: 7 }, (_, i) => randomBytes(100 + i));
      for (const b of bodies) await blobs.put(sha(b), b);
      const addresses = bodies.map(sha).sort();
      assert.equal([...(await blobs.has([addresses[0] as string, 'f'.repeat(64)]))], [addresses[0]]);
      const first = await blobs.list({ limit: 3 });
      const rest = await blobs.list({ after: first[first.length - 1]?.sha256 as string, limit: 100 });
      assert.equal([...first, ...rest].map((b) => b.sha256), addresses);
      assert.is(first[0]?.stored, bodies.find((b) => sha(b) === addresses[0])?.length);
      const stats = await blobs.stats();
      assert.equal([stats.count, stats.bytes], [7, bodies.reduce((n, b) => n + b.length, 0)]);
      assert.is(await blobs.delete([addresses[0] as string, addresses[1] as string, 'e'.repeat(64)]), 2);
      assert.is((await blobs.stats()).count, 5);
      assert.is(await blobs.get(addresses[0] as string), null);
    }));

  Blobs('vacuum after deleting big bodies gives space back', () =>
    withBlobs(async ({ blobs }) => {
      const bodies = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
      for (const b of bodies) await blobs.put(sha(b), b);
      await blobs.vacuum();
      const full = (await blobs.stats()).allocated ?? 0;
      await blobs.delete(bodies.map(sha));
      const { before, after } = await blobs.vacuum();
      assert.ok(before >= full - 64 * 1024, `before ${before}, full ${full}`);
      assert.ok(after < full - 1024 * 1024, `after ${after} not below ${full} by the 2 MiB deleted`);
    }));

  const take = (c: Consumers, holder: string, now: number, startAt = 0) => c.acquire('mailer', holder, { ttlMs: 1000, now, startAt });

  Blobs('a consumer’s first holder starts where told, under fence 1; another waits while the lease runs', () =>
    withBlobs(async ({ consumers }) => {
      const a = await take(consumers, 'a', 0, 42);
      assert.equal([a?.fence, a?.position, a?.expiresAt], [1, 42, 1000]);
      assert.is(await take(consumers, 'b', 500), null);
      const again = await take(consumers, 'a', 600);
      assert.equal([again?.fence, again?.expiresAt], [1, 1600]);
    }));

  Blobs('after the lease runs out another takes it under a higher fence, and the old holder can neither advance nor renew', () =>
    withBlobs(async ({ consumers }) => {
      const a = (await take(consumers, 'a', 0)) as ConsumerLease;
      assert.ok(await consumers.advance(a, 5));
      const b = (await take(consumers, 'b', 2000)) as ConsumerLease;
      assert.equal([b.fence, b.position], [2, 5]);
      assert.is(await consumers.advance(a, 9), false);
      assert.is(await consumers.renew(a, 1000, 2001), null);
      assert.ok(await consumers.advance(b, 7));
      const [info] = await consumers.list();
      assert.equal([info?.holder, info?.fence, info?.position], ['b', 2, 7]);
    }));

  Blobs('dead letters land with the advance that passes them, never under a stale fence', () =>
    withBlobs(async ({ consumers }) => {
      const a = (await take(consumers, 'a', 0)) as ConsumerLease;
      const letter = { consumer: 'mailer', position: 3, eventId: 'e3', stream: 'state-u1', attempts: 5, error: 'boom', at: '2026-01-01T00:00:00.000Z' };
      assert.ok(await consumers.advance(a, 3, [letter]));
      await take(consumers, 'b', 5000);
      assert.is(await consumers.advance(a, 4, [{ ...letter, position: 4 }]), false);
      assert.equal((await consumers.deadLetters('mailer')).map((d) => [d.position, d.error, d.attempts]), [[3, 'boom', 5]]);
      assert.is((await consumers.list())[0]?.deadLetters, 1);
    }));

  Blobs('a released lease is free at once; the position never moves back', () =>
    withBlobs(async ({ consumers }) => {
      const a = (await take(consumers, 'a', 0)) as ConsumerLease;
      await consumers.advance(a, 10);
      await consumers.advance(a, 4);
      await consumers.release(a);
      const b = await take(consumers, 'b', 1);
      assert.equal([b?.fence, b?.position], [2, 10]);
    }));

  Blobs.run();
};
