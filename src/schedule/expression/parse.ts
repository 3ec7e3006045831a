import { InvalidInput } from '../../errors.js';
import { parseAwsCron } from './aws-cron.js';
import { parseCron } from './cron.js';
import { parseOnce } from './once.js';
import { parseRate } from './rate.js';
import type { Schedule } from './schedule.js';

const FORMS = 'cron(...), rate(...), at(...) or a five-field cron';
const WRAPPED = /^(cron|rate|at)\((.*)\)$/s;

/**
 * Parses a schedule expression: five-field cron (`0 * * * *`), AWS EventBridge `cron(...)`, `rate(...)` or `at(...)`.
 * Throws InvalidInput naming the faulty part (`schedule.day_of_week`, `schedule.rate`, ...) or `schedule` for text
 * that is none of these.
 */
export const parseSchedule = (expr: string): Schedule => {
  if (typeof expr !== 'string') throw new InvalidInput('schedule', expr, FORMS);
  const expression = expr.trim();
  const wrapped = WRAPPED.exec(expression);
  if (wrapped !== null) {
    const [, form, inner = ''] = wrapped;
    if (form === 'cron') return parseAwsCron(expression, inner);
    if (form === 'rate') return parseRate(expression, inner);
    return parseOnce(expression, inner);
  }
  if (expression === '' || /[()]/.test(expression)) throw new InvalidInput('schedule', expression, FORMS);
  return parseCron(expression);
};
