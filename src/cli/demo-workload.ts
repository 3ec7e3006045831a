import type { Instant } from '../events/index.js';
import type { StateEngine } from '../engine/index.js';

const accounts = ['111111111111', '222222222222', '333333333333'];
const regions = ['us-east-1', 'eu-west-1'];
const collectors = ['iam', 's3', 'ec2'];
const findingsPerScope = 620;

/** The finding whose audit trail the demo prints: it lives every part of the lifecycle. */
export const demoStoryFinding = 'f-111111111111-us-east-1-0007';

/** A small seeded generator (mulberry32): the demo is the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

/** Each rule's severity, as a scanner ranks it: few critical, most medium and low. */
const severityOfRule = ['critical', 'high', 'high', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'informational', 'medium'] as const;

type Nature = { kind: 'steady' } | { kind: 'flaky'; p: number } | { kind: 'fixed'; day: number } | { kind: 'regress'; fixed: number; back: number } | { kind: 'late'; from: number };

const natureOf = (random: () => number, days: number): Nature => {
  const r = random();
  if (r < 0.45) return { kind: 'steady' };
  if (r < 0.6) return { kind: 'flaky', p: 0.6 + random() * 0.3 };
  if (r < 0.78) return { kind: 'fixed', day: Math.floor(random() * days) };
  if (r < 0.88) {
    const fixed = Math.floor(random() * (days / 2));
    return { kind: 'regress', fixed, back: fixed + 2 + Math.floor(random() * (days / 2)) };
  }
  return { kind: 'late', from: Math.floor(random() * days) };
};

const present = (n: Nature, day: number, random: () => number): boolean => {
  switch (n.kind) {
    case 'steady':
      return true;
    case 'flaky':
      return random() < n.p;
    case 'fixed':
      return day < n.day;
    case 'regress':
      return day < n.fixed || day >= n.back;
    case 'late':
      return day >= n.from;
  }
};

/**
 * Drives the engine through `days` days of daily full-scope scans per account and region. Findings appear,
 * recur, vanish (auto-resolved as not observed), come back (reopened); people resolve, suppress (some until a
 * date), mark false positives and write notes. `setClock` moves the simulated clock.
 */
export const runDemoWorkload = async (
  engine: StateEngine,
  days: number,
  setClock: (ms: number) => void,
  onDay: (day: number) => void,
): Promise<void> => {
  const random = seeded(20261122);
  // A demo store has no readers of an older release: its scanners state severities (sighting schema 2).
  await engine.schemas.setWrite('FindingTracked', 2);
  const start = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - days * 86_400_000;
  const scopes = accounts.flatMap((account) => regions.map((region) => ({ account, region })));
  const pool = new Map(
    scopes.map(({ account, region }) => [
      `${account}/${region}`,
      Array.from({ length: findingsPerScope }, (_, i) => ({
        id: `f-${account}-${region}-${String(i).padStart(4, '0')}`,
        asset: `arn:aws:${collectors[i % 3]}::${account}:resource/${region}-${Math.floor(i / 4)}`,
        rule: `stance-${collectors[i % 3]}-${String(1 + (i % 37)).padStart(3, '0')}`,
        collector: collectors[i % 3] ?? 'iam',
        severity: severityOfRule[(i % 37) % severityOfRule.length] ?? 'low',
        nature: natureOf(random, days),
      })),
    ]),
  );
  const story = pool.get('111111111111/us-east-1')?.[7];
  if (story !== undefined) story.nature = { kind: 'regress', fixed: 3, back: 6 };
  for (let day = 0; day < days; day += 1) {
    for (const [s, { account, region }] of scopes.entries()) {
      const at = start + day * 86_400_000 + (2 * 60 + s * 7) * 60_000;
      setClock(at);
      const scanId = `scan-${new Date(at).toISOString().slice(0, 10)}-${account}-${region}`;
      await engine.startScan({ scanId, snapshotId: `snap-${scanId}`, configName: 'cis-aws', accountId: account, region, collectors, fullScope: true });
      const seen = (pool.get(`${account}/${region}`) ?? []).filter((f) => present(f.nature, day, random));
      setClock(at + 4 * 60_000);
      await engine.trackFindings(
        seen.map((f) => ({ findingId: f.id, assetId: f.asset, ruleId: f.rule, collector: f.collector, severity: f.severity })),
        { scanId },
      );
      setClock(at + 9 * 60_000 + s * 1000);
      // One scan a fortnight per scope is throttled: a failed scan resolves nothing.
      const failed = (day + s) % 14 === 13;
      await engine.completeScan(scanId, {
        assetCount: Math.floor(seen.length / 2) + 40,
        findingCount: seen.length,
        errorMessage: failed ? 'ThrottlingException: Rate exceeded (DescribeInstances)' : '',
      });
    }
    const afternoon = start + day * 86_400_000 + 15 * 3_600_000;
    setClock(afternoon);
    await peopleAct(engine, day, afternoon, pool, random);
    onDay(day + 1);
  }
};

/** What security engineers do in the afternoon: a few decisions a day. */
const peopleAct = async (
  engine: StateEngine,
  day: number,
  now: number,
  pool: Map<string, { id: string }[]>,
  random: () => number,
): Promise<void> => {
  const all = [...pool.values()].flat();
  const pick = () => all[Math.floor(random() * all.length)]?.id ?? '';
  const attempt = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      // A person acting on a finding in a state that refuses it (already resolved, never seen yet) is expected here.
      if (!(error instanceof Error && error.name === 'DomainError')) throw error;
    }
  };
  const inDays = (n: number) => new Date(now + n * 86_400_000).toISOString() as Instant;
  if (day === 1) await attempt(() => engine.addFindingNote(demoStoryFinding, { by: 'maria', text: 'SEC-1042: public bucket policy, owner asked to fix' }));
  if (day === 4) await attempt(() => engine.addFindingNote(demoStoryFinding, { by: 'maria', text: 'fixed by the owner; auto-resolved by the next full scan' }));
  if (day === 8)
    await attempt(() => engine.suppressFinding(demoStoryFinding, { by: 'li', reason: 'migration window, see CHG-311', until: inDays(5) }));
  for (let i = 0; i < 6; i += 1) await attempt(() => engine.resolveFinding(pick(), { by: 'maria', reason: 'remediated' }));
  for (let i = 0; i < 3; i += 1) await attempt(() => engine.suppressFinding(pick(), { by: 'li', reason: 'accepted risk', until: random() < 0.5 ? inDays(4) : undefined }));
  if (random() < 0.6) await attempt(() => engine.markFalsePositive(pick(), { by: 'sam', reason: 'sandbox account' }));
  await attempt(() => engine.addFindingNote(pick(), { by: 'sam', text: 'triaged' }));
};

