import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, job, nextFireOf } from '../../src/domain/index.js';
import { specify } from '../support/decider.js';
import {
  create,
  created,
  disabled,
  enabled,
  finish,
  finished,
  min,
  removed,
  run,
  skip,
  skipped,
  start,
  started,
  toggle,
  update,
  updated,
} from '../schedule/support/jobs.js';

const given = specify(job);

const Lifecycle = suite('domain/job: create, update, enable, disable, remove');

Lifecycle('creating a job records it; its first fire time is the first after its creation', () => {
  given().when(create()).then(created());
  assert.is(nextFireOf(fold(job, [created({ createdAt: min(3) })])), min(10));
});
Lifecycle('a job id is never reused, not even after removal', () => {
  given(created()).when(create()).thenFails('illegal_transition');
  given(created(), removed(min(1))).when(create()).thenFails('illegal_transition');
});
Lifecycle('commands on a job never created or removed are refused as unknown', () => {
  given().when(toggle('EnableJob', min(1))).thenFails('unknown_job');
  given(created(), removed(min(1))).when(update(min(2))).thenFails('unknown_job');
  given(created(), removed(min(1))).when(start(min(10), [run(min(10))])).thenFails('unknown_job');
});
Lifecycle('enabling an enabled job and disabling a disabled one change nothing', () => {
  given(created()).when(toggle('EnableJob', min(1))).then();
  given(created(), disabled(min(1))).when(toggle('DisableJob', min(2))).then();
  given(created(), disabled(min(1))).when(toggle('EnableJob', min(2))).then(enabled(min(2)));
});
Lifecycle('fire times that pass while a job is disabled are not owed when it is enabled again', () => {
  const state = fold(job, [created(), disabled(min(5)), enabled(min(45))]);
  assert.is(nextFireOf(state), min(50));
  assert.is(nextFireOf(fold(job, [created(), disabled(min(5))])), null);
});
Lifecycle('a new schedule counts from its change; other edits keep the unfired times', () => {
  const moved = fold(job, [created(), updated(min(33), { schedule: '0 * * * *' })]);
  assert.equal([moved?.settledThrough, nextFireOf(moved)], [min(33), min(60)]);
  const renamed = fold(job, [created(), updated(min(33), { name: 'weekly' })]);
  assert.equal([renamed?.name, nextFireOf(renamed)], ['weekly', min(10)]);
});

const Firing = suite('domain/job: firing');

Firing('a due fire time starts a run and settles it', () => {
  given(created()).when(start(min(10), [run(min(10))])).then(started(run(min(10))));
  const state = fold(job, [created(), started(run(min(10)))]);
  assert.equal([state?.runCount, state?.running.length, nextFireOf(state)], [1, 1, min(20)]);
});
Firing('a fire time another scheduler settled first changes nothing: no run fires twice', () => {
  const r = run(min(10));
  given(created(), started(r), finished(r, min(10), min(11)))
    .when(start(min(10), [run(min(10), 'schedule', 'other')]))
    .then();
});
Firing('a fire time not yet due is refused', () => {
  given(created()).when(start(min(9), [run(min(10))])).thenFails('illegal_transition');
});
Firing('a skip and the run after it are recorded in fire-time order', () => {
  const s = skip('misfire', min(10), min(59), 5);
  given(created())
    .when(start(min(60), [run(min(60))], s))
    .then(skipped(s, min(60)), started(run(min(60)), min(60)));
  const state = fold(job, [created(), skipped(s, min(60))]);
  assert.equal([state?.skippedCount, nextFireOf(state)], [5, min(60)]);
});
Firing('a plan overlapping what is settled is refused, not half applied', () => {
  const r = run(min(20));
  given(created(), started(r))
    .when(start(min(40), [], skip('misfire', min(10), min(35), 2)))
    .thenFails('illegal_transition');
});
Firing('overlap skip: no run starts while one is in progress, a manual one included', () => {
  const r = run(min(10));
  given(created(), started(r)).when(start(min(20), [run(min(20))])).thenFails('illegal_transition');
  given(created(), started(r)).when(start(min(12), [run(min(12), 'manual', 'm1')])).thenFails('illegal_transition');
  given(created({ overlap: 'allow' }), started(r)).when(start(min(20), [run(min(20))])).then(started(run(min(20))));
});
Firing('a disabled job fires nothing on schedule but runs when asked', () => {
  given(created(), disabled(min(1))).when(start(min(10), [run(min(10))])).thenFails('illegal_transition');
  const manual = run(min(12), 'manual', 'm1');
  given(created(), disabled(min(1))).when(start(min(12), [manual])).then(started(manual, min(12)));
});
Firing('a manual run settles no fire time', () => {
  const state = fold(job, [created(), started(run(min(12), 'manual', 'm1'), min(12))]);
  assert.equal([state?.runCount, nextFireOf(state)], [1, min(10)]);
});

const Finishing = suite('domain/job: finishing runs');

Finishing('finishing a run records its outcome and duration and closes it', () => {
  const r = run(min(10));
  given(created(), started(r)).when(finish(r.runId, min(13))).then(finished(r, min(10), min(13)));
  const state = fold(job, [created(), started(r), finished(r, min(10), min(13), 'failed', 'exit code 2')]);
  assert.equal([state?.running, state?.lastRun?.result, state?.lastRun?.durationSeconds], [[], 'failed', 180]);
});
Finishing('a run not in progress cannot finish', () => {
  const r = run(min(10));
  given(created()).when(finish('nope', min(11))).thenFails('illegal_transition');
  given(created(), started(r), finished(r, min(10), min(11))).when(finish(r.runId, min(12))).thenFails('illegal_transition');
});
Finishing('a run of a removed job still finishes, so its scan closes', () => {
  const r = run(min(10));
  given(created(), started(r), removed(min(11))).when(finish(r.runId, min(12), 'abandoned', 'gone')).then(
    finished(r, min(10), min(12), 'abandoned', 'gone'),
  );
});

Lifecycle.run();
Firing.run();
Finishing.run();
