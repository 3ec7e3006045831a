import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../src/errors.js';
import {
  canonicalJson,
  currentSchema,
  downcast,
  FindingTrackedV1,
  lowestWritable,
  registerSchemaStep,
  upcast,
  validateEvent,
  type Json,
} from '../../src/events/index.js';

const Upcasters = suite('events/upcasters: schema steps compose and round-trip');

const id = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());
const sightingV1 = fc.record({
  findingId: id,
  assetId: id,
  ruleId: id,
  scanId: fc.option(id, { nil: null }),
  seenAt: instant,
  accountId: fc.string({ maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
  region: fc.constantFrom('', 'us-east-1', 'eu-west-1'),
  collector: fc.option(id, { nil: null }),
});
const known = fc.constantFrom('critical', 'high', 'medium', 'low', 'informational');

Upcasters('FindingTracked is at schema 2, and schema 1 data upcast reads severity unknown and is valid schema 2', () => {
  assert.is(currentSchema('FindingTracked'), 2);
  fc.assert(
    fc.property(sightingV1, (v1) => {
      assert.ok(FindingTrackedV1.is(v1));
      const up = upcast('FindingTracked', 1, 2, v1 as Json);
      assert.is(up.schema, 2);
      assert.is((up.data as { severity: string }).severity, 'unknown');
      const checked = validateEvent(`finding-${v1.findingId}`, 'FindingTracked', up.data);
      assert.is(canonicalJson(checked.data), canonicalJson(up.data));
      // Down again is the bytes that were written: a copy or a push of an old event is unchanged.
      assert.is(canonicalJson(downcast('FindingTracked', 2, 1, up.data)), canonicalJson(v1 as Json));
    }),
  );
});

Upcasters('schema 2 data without a severity goes down to schema 1 and back unchanged; with one, down is refused naming severity', () => {
  fc.assert(
    fc.property(sightingV1, known, (v1, severity) => {
      const unknown = { ...v1, severity: 'unknown' } as Json;
      assert.is(canonicalJson(upcast('FindingTracked', 1, 2, downcast('FindingTracked', 2, 1, unknown)).data), canonicalJson(unknown));
      try {
        downcast('FindingTracked', 2, 1, { ...v1, severity } as Json);
        assert.unreachable('a severity cannot be written at schema 1');
      } catch (error) {
        assert.instance(error, InvalidInput);
        assert.is((error as InvalidInput).field, 'severity');
      }
    }),
  );
});

// A chain of three schemas for a type of this test only: 1 {n} → 2 {n, unit} → 3 {amount: {n, unit}, v}.
registerSchemaStep({
  type: 'TestChain',
  from: 1,
  up: (d) => ({ ...(d as object), unit: 'each' }),
  down: (d) => {
    const { unit, ...rest } = d as { unit: string };
    if (unit !== 'each') throw new InvalidInput('unit', unit, 'each');
    return rest;
  },
});
registerSchemaStep({
  type: 'TestChain',
  from: 2,
  up: (d) => {
    const { n, unit } = d as { n: number; unit: string };
    return { amount: { n, unit }, v: 3 };
  },
  down: (d) => ({ ...(d as { amount: { n: number; unit: string } }).amount }),
});

Upcasters('steps compose: 1→3 is 1→2 then 2→3, from any schema on the way; down from 3 to 1 returns the original', () => {
  fc.assert(
    fc.property(fc.integer(), (n) => {
      const v1 = { n } as Json;
      const v2 = upcast('TestChain', 1, 2, v1);
      const v3 = upcast('TestChain', 1, 3, v1);
      assert.equal(v2, { schema: 2, data: { n, unit: 'each' } });
      assert.equal(v3, { schema: 3, data: { amount: { n, unit: 'each' }, v: 3 } });
      assert.equal(upcast('TestChain', 2, 3, v2.data), v3);
      assert.equal(upcast('TestChain', 3, 3, v3.data), v3);
      assert.equal(downcast('TestChain', 3, 1, v3.data), v1);
      assert.equal(downcast('TestChain', 3, 2, v3.data), v2.data);
    }),
  );
  assert.is(lowestWritable('TestChain', 3), 1);
  // A missing step stops there: the caller sees the schema it reached (verify and imports report it).
  assert.equal(upcast('TestChain', 1, 5, { n: 1 }).schema, 3);
  assert.throws(() => registerSchemaStep({ type: 'TestChain', from: 1, up: (d) => d }), /registered twice/);
});

Upcasters.run();
