import { InvalidInput } from '../../errors.js';

/** One numeric cron field: its error name, range, optional three-letter names, and the text errors quote. */
export type FieldRule = Readonly<{
  field: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
  expected: string;
}>;

const DIGITS = /^\d+$/;
const NAME = /^[A-Za-z]{3}$/;

/** A number or, where the field has names, a name (any case) in range; null when it is neither. */
export const fieldValue = (rule: FieldRule, text: string): number | null => {
  const value = DIGITS.test(text)
    ? Number(text)
    : rule.names !== undefined && NAME.test(text)
      ? rule.names[text.toUpperCase()]
      : undefined;
  return value !== undefined && value >= rule.min && value <= rule.max ? value : null;
};

/**
 * Expands `,`, `-`, `*` and `/` (`*`, `a`, `a-b`, `*`/n, `a`/n, `a-b`/n) to sorted, distinct values. A range must
 * not run backwards (`FRI-MON` is refused rather than guessed at) and a step is 1 up to the field's span. Any fault
 * reports the whole field, as written.
 */
export const expandList = (rule: FieldRule, text: string): number[] => {
  const fail = (): never => {
    throw new InvalidInput(rule.field, text, rule.expected);
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [base = '', step, extra] = item.split('/');
    if (extra !== undefined) fail();
    let low: number | null;
    let high: number | null;
    if (base === '*') [low, high] = [rule.min, rule.max];
    else {
      const [from = '', to, more] = base.split('-');
      if (more !== undefined) fail();
      low = fieldValue(rule, from);
      high = to === undefined ? (step === undefined ? low : rule.max) : fieldValue(rule, to);
    }
    if (low === null || high === null || low > high) return fail();
    const increment = step === undefined ? 1 : DIGITS.test(step) ? Number(step) : 0;
    if (increment < 1 || increment > rule.max - rule.min + 1) fail();
    for (let value = low; value <= high; value += increment) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
};
