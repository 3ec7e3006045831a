import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matches } from '../../../src/schedule/expression/index.js';

const at = (instant: string): Date => new Date(instant);

const Matches = suite('schedule/expression: matches');

Matches('a cron time matches on its minute and not a second later', () => {
  assert.ok(matches('cron(0 18 ? * MON-FRI *)', at('2026-01-02T18:00:00Z')));
  assert.not.ok(matches('cron(0 18 ? * MON-FRI *)', at('2026-01-02T18:00:01Z')));
  assert.not.ok(matches('cron(0 18 ? * MON-FRI *)', at('2026-01-02T18:00:00.001Z')));
  assert.not.ok(matches('cron(0 18 ? * MON-FRI *)', at('2026-01-03T18:00:00Z')));
});
Matches('fields are read in the zone given', () => {
  assert.ok(matches('0 9 * * *', at('2026-01-01T14:00:00Z'), 'America/New_York'));
  assert.not.ok(matches('0 9 * * *', at('2026-01-01T09:00:00Z'), 'America/New_York'));
  assert.ok(matches('0 9 * * *', '2026-01-01T09:00:00-05:00', 'America/New_York'));
});
Matches('AWS weekday 1 matches a Sunday, not a Monday', () => {
  assert.ok(matches('cron(0 12 ? * 1 *)', at('2026-01-04T12:00:00Z')));
  assert.not.ok(matches('cron(0 12 ? * 1 *)', at('2026-01-05T12:00:00Z')));
});
Matches('day rules match only their day', () => {
  assert.ok(matches('cron(0 0 15W * ? *)', at('2026-02-16T00:00:00Z')));
  assert.not.ok(matches('cron(0 0 15W * ? *)', at('2026-02-15T00:00:00Z')));
  assert.ok(matches('cron(0 0 ? * 6L *)', at('2026-01-30T00:00:00Z')));
  assert.not.ok(matches('cron(0 0 ? * 6L *)', at('2026-01-23T00:00:00Z')));
  assert.not.ok(matches('cron(0 0 * * ? 2027)', at('2026-01-23T00:00:00Z')));
});
Matches('a rate time matches on the grid from its anchor, from the anchor on', () => {
  const anchor = '2026-01-01T00:00:07Z';
  assert.ok(matches('rate(5 minutes)', at('2026-01-01T00:15:07Z'), 'UTC', anchor));
  assert.ok(matches('rate(5 minutes)', at(anchor), 'UTC', anchor));
  assert.not.ok(matches('rate(5 minutes)', at('2026-01-01T00:15:00Z'), 'UTC', anchor));
  assert.not.ok(matches('rate(5 minutes)', at('2025-12-31T23:55:07Z'), 'UTC', anchor));
});
Matches('at() matches its own instant only', () => {
  assert.ok(matches('at(2026-01-01T09:00:00)', at('2026-01-01T14:00:00Z'), 'America/New_York'));
  assert.not.ok(matches('at(2026-01-01T09:00:00)', at('2026-01-01T09:00:00Z'), 'America/New_York'));
  assert.not.ok(matches('at(2026-03-08T02:30:00)', at('2026-03-08T07:30:00Z'), 'America/New_York'));
});

Matches.run();
