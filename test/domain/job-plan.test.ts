import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, job, nextFireOf, planFiring, type JobEvent } from '../../src/domain/index.js';
import { created, disabled, min, run, started } from '../schedule/support/jobs.js';

const options = { graceMs: 60_000, catchUpLimit: 100 };
const plan = (events: readonly JobEvent[], now: number, o = options) => planFiring(fold(job, events), min(now), o);

const OnTime = suite('domain/job-plan: fire times due on time');

OnTime('nothing is due before the first fire time', () => {
  assert.is(plan([created()], 9), null);
});
OnTime('a fire time found within the grace runs on schedule', () => {
  assert.equal(plan([created()], 10), { runs: [{ scheduledFor: min(10), trigger: 'schedule' }], skipped: null });
  assert.equal(plan([created()], 10.99)?.runs, [{ scheduledFor: min(10), trigger: 'schedule' }]);
  assert.equal(plan([created()], 11)?.runs, [{ scheduledFor: min(10), trigger: 'misfire' }]); // a whole grace late
});
OnTime('disabled, removed and one-time jobs past their time plan nothing', () => {
  assert.is(plan([created(), disabled(min(1))], 10), null);
  const once = created({ schedule: 'at(2026-01-01T00:30:00)' });
  assert.is(plan([once, started(run(min(30)))], 90), null);
  assert.is(nextFireOf(fold(job, [once, started(run(min(30)))])), null);
});
OnTime('a rate schedule fires at anchor + k * interval, however late each run was', () => {
  const rate = created({ schedule: 'rate(7 minutes)', anchor: min(0) });
  assert.equal(plan([rate], 7)?.runs, [{ scheduledFor: min(7), trigger: 'schedule' }]);
  // Fired 40 s late: the next is still at 14, not 14 min 40 s (the original drifted by every run's delay).
  const late = [rate, started(run(min(7)), new Date(Date.parse(min(7)) + 40_000).toISOString() as never)];
  assert.is(nextFireOf(fold(job, late)), min(14));
});

const Misfire = suite('domain/job-plan: missed fire times follow the misfire policy');
// Created at 0, */10: at 125 the fire times 10..120 (12 of them) are missed, none is due on time.
const missedAt = 125;

Misfire('skip records every missed fire time as skipped and runs none', () => {
  assert.equal(plan([created({ misfire: 'skip' })], missedAt), {
    runs: [],
    skipped: { reason: 'misfire', first: min(10), through: min(124), count: 12 },
  });
});
Misfire('fire_once runs the first missed fire time once, standing for the others', () => {
  assert.equal(plan([created({ misfire: 'fire_once' })], missedAt), {
    runs: [{ scheduledFor: min(10), trigger: 'misfire' }],
    skipped: { reason: 'misfire', first: min(20), through: min(124), count: 11 },
  });
});
Misfire('fire_once lets a fire time due on time stand for the missed ones', () => {
  assert.equal(plan([created({ misfire: 'fire_once' })], 120.5), {
    runs: [{ scheduledFor: min(120), trigger: 'schedule' }],
    skipped: { reason: 'misfire', first: min(10), through: min(119.5), count: 11 },
  });
});
Misfire('fire_all runs every missed fire time, oldest first', () => {
  const firing = plan([created({ misfire: 'fire_all' })], missedAt);
  assert.equal(firing?.runs.map((r) => r.scheduledFor), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120].map(min));
  assert.ok(firing?.runs.every((r) => r.trigger === 'misfire'));
  assert.is(firing?.skipped, null);
});
Misfire('fire_all is bounded: past the limit, missed fire times are skipped and counted', () => {
  const year = 60 * 24 * 365;
  const firing = plan([created({ misfire: 'fire_all', schedule: '* * * * *' })], year, { ...options, catchUpLimit: 100 });
  assert.is(firing?.runs.length, 101);
  assert.equal(firing?.runs.at(-1), { scheduledFor: min(year), trigger: 'schedule' }); // due now: on time
  assert.equal(firing?.skipped, { reason: 'catch_up_limit', first: min(101), through: min(year - 1), count: year - 1 - 100 });
});
Misfire('a year of missed minutes is counted exactly, and a rate without enumerating', () => {
  const year = 60 * 24 * 365;
  assert.is(plan([created({ misfire: 'skip', schedule: 'rate(1 minute)' })], year)?.skipped?.count, year - 1);
  assert.is(plan([created({ misfire: 'skip', schedule: '*/5 * * * *' })], year)?.skipped?.count, year / 5 - 1);
});

const Overlap = suite('domain/job-plan: overlap');

Overlap('overlap skip: fire times due while a run is in progress are skipped', () => {
  const events = [created(), started(run(min(10)))];
  assert.equal(plan(events, 35), { runs: [], skipped: { reason: 'overlap', first: min(20), through: min(35), count: 2 } });
});
Overlap('overlap allow: they run beside it', () => {
  const events = [created({ overlap: 'allow' }), started(run(min(10)))];
  assert.equal(plan(events, 20)?.runs, [{ scheduledFor: min(20), trigger: 'schedule' }]);
});

OnTime.run();
Misfire.run();
Overlap.run();
