import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seriesOf, windowOf } from '../../src/engine/index.js';
import { InvalidInput } from '../../src/errors.js';

const Series = suite('engine/daily: the series over a window');

Series('days without changes count zero and the open count carries forward from the day before the window', () => {
  const rows = [
    { day: '2026-01-02', new: 3, resolved: 0, open_delta: 3 },
    { day: '2026-01-04', new: 1, resolved: 2, open_delta: -1 },
  ];
  assert.equal(seriesOf(5, rows, '2026-01-01', '2026-01-05'), [
    { day: '2026-01-01', new: 0, resolved: 0, open: 5 },
    { day: '2026-01-02', new: 3, resolved: 0, open: 8 },
    { day: '2026-01-03', new: 0, resolved: 0, open: 8 },
    { day: '2026-01-04', new: 1, resolved: 2, open: 7 },
    { day: '2026-01-05', new: 0, resolved: 0, open: 7 },
  ]);
});

Series('a window crosses month and leap-day boundaries day by day', () => {
  const days = seriesOf(0, [], '2028-02-27', '2028-03-02').map((p) => p.day);
  assert.equal(days, ['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01', '2028-03-02']);
});

const Window = suite('engine/daily: the window asked for');
const now = Date.parse('2026-03-10T23:59:00Z');

Window('without bounds it is the 30 days to today (UTC)', () => {
  assert.equal(windowOf({}, now), { from: '2026-02-09', to: '2026-03-10' });
});

Window('with only a start it ends today; with only an end it is the 30 days to that end', () => {
  assert.equal(windowOf({ from: '2026-03-01' }, now), { from: '2026-03-01', to: '2026-03-10' });
  assert.equal(windowOf({ to: '2026-01-30' }, now), { from: '2026-01-01', to: '2026-01-30' });
});

Window('a start after the end, a window over 1000 days and a date that does not exist are refused naming the field', () => {
  const refused = (input: object, field: string) => {
    try {
      windowOf(input, now);
      assert.unreachable('accepted');
    } catch (error) {
      assert.instance(error, InvalidInput);
      assert.is((error as InvalidInput).field, field);
    }
  };
  refused({ from: '2026-03-05', to: '2026-03-04' }, 'from');
  refused({ from: '2023-01-01', to: '2026-01-01' }, 'to');
  refused({ from: '2026-02-30' }, 'from');
});

Series.run();
Window.run();
