import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError } from '../../src/errors.js';
import { job, planFiring, type JobEvent, type JobState } from '../../src/domain/index.js';
import type { Instant } from '../../src/events/index.js';
import { matches, nextRuns } from '../../src/schedule/expression/index.js';
import { created, finish, start } from '../schedule/support/jobs.js';

const Props = suite('domain/job-plan: properties');

const schedules = ['*/7 * * * *', '30 1-3 * * *', 'rate(11 minutes)', 'cron(0/15 * * * ? *)', '0 */5 * * *'];
const zones = ['UTC', 'America/New_York', 'Australia/Lord_Howe'];
// Starts a little before the 2026 transitions: New York springs forward on 03-08, Lord Howe falls back on 04-05.
const starts = [Date.parse('2026-03-07T22:00:00Z'), Date.parse('2026-04-04T10:00:00Z'), Date.parse('2026-10-31T20:00:00Z')];

const step = fc.record({ minutes: fc.integer({ min: 1, max: 400 }), finishOpen: fc.boolean() });
const scenario = fc.record({
  schedule: fc.constantFrom(...schedules),
  timezone: fc.constantFrom(...zones),
  misfire: fc.constantFrom('skip' as const, 'fire_once' as const, 'fire_all' as const),
  overlap: fc.constantFrom('skip' as const, 'allow' as const),
  start: fc.constantFrom(...starts),
  limit: fc.integer({ min: 1, max: 20 }),
  steps: fc.array(step, { minLength: 1, maxLength: 30 }),
});

const iso = (ms: number) => new Date(ms).toISOString() as Instant;

/** The fire times in (after, through], page by page. */
const firesIn = (schedule: string, tz: string, anchor: number, after: number, through: number): number[] => {
  const out: number[] = [];
  for (let from = after; ; ) {
    const page = nextRuns(schedule, { after: iso(from), tz, anchor: iso(anchor), count: 200 }).map((d) => d.getTime());
    for (const t of page) if (t <= through) out.push(t);
    const last = page.at(-1);
    if (page.length < 200 || last === undefined || last > through) return out;
    from = last;
  }
};

Props('every fire time is run or skipped exactly once, runs in fire-time order, each a real fire time', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const { schedule, timezone, misfire, overlap } = s;
      const history: JobEvent[] = [
        created({ schedule, timezone, misfire, overlap, anchor: iso(s.start), createdAt: iso(s.start) }),
      ];
      let state: JobState = job.evolve(null, history[0] as JobEvent);
      const apply = (events: readonly JobEvent[] | DomainError) => {
        if (events instanceof DomainError) throw events;
        for (const e of events) (history.push(e), (state = job.evolve(state, e)));
      };
      let now = s.start;
      let n = 0;
      for (const { minutes, finishOpen } of s.steps) {
        now += minutes * 60_000 + (n % 3) * 7_000; // some passes land off the minute
        if (finishOpen) for (const r of state?.running ?? []) apply(job.decide(state, finish(r.runId, iso(now))));
        const firing = planFiring(state, iso(now), { graceMs: 60_000, catchUpLimit: s.limit });
        if (firing === null) continue;
        const runs = firing.runs.map((r) => ({ ...r, runId: `r${(n += 1)}`, scanId: `s${n}` }));
        apply(job.decide(state, start(iso(now), runs, firing.skipped)));
      }
      // What was accounted for: each run's fire time, and the fire times inside each skip.
      const accounted: number[] = [];
      let lastRun = 0;
      for (const e of history) {
        if (e.type === 'JobRunStarted') {
          const t = Date.parse(e.data.scheduledFor);
          assert.ok(t > lastRun, `runs in fire-time order: ${e.data.scheduledFor}`);
          const fireTime = matches(s.schedule, e.data.scheduledFor, s.timezone, iso(s.start));
          assert.ok(fireTime, `${e.data.scheduledFor} is a fire time`);
          assert.ok(t <= Date.parse(e.data.startedAt));
          lastRun = t;
          accounted.push(t);
        }
        if (e.type === 'JobRunsSkipped') {
          const inside = firesIn(s.schedule, s.timezone, s.start, Date.parse(e.data.first) - 1, Date.parse(e.data.through));
          assert.is(inside.length, e.data.count, 'a skip counts the fire times it covers');
          assert.is(inside[0], Date.parse(e.data.first), 'a skip starts at a fire time');
          accounted.push(...inside);
        }
      }
      const settled = Date.parse(state?.settledThrough ?? '');
      assert.ok(settled <= now);
      const owed = firesIn(s.schedule, s.timezone, s.start, s.start, settled);
      assert.equal([...accounted].sort((a, b) => a - b), owed);
    }),
    { numRuns: 150 },
  );
});

Props.run();
