// Times nextRuns over a seeded mix of 10,000 jobs: node --import tsx scripts/bench/schedule-next.ts [--jobs N]
import os from 'node:os';
import { nextRuns, parseSchedule, type Schedule } from '../../src/schedule/expression/index.js';
import { seededChoices } from './random.js';

const RUNS_PER_JOB = 10;
const jobsArg = process.argv.indexOf('--jobs');
const JOBS = jobsArg === -1 ? 10_000 : Number(process.argv[jobsArg + 1]);

// The same jobs every run, so results compare across commits.
const { random, pick, int } = seededChoices(2026);

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
  'Pacific/Auckland',
  'Europe/Berlin',
  'America/Los_Angeles',
];

const fiveField = (): string =>
  pick([
    () => `${int(0, 59)} * * * *`,
    () => `*/${pick([5, 10, 15, 30])} * * * *`,
    () => `${int(0, 59)} ${int(0, 23)} * * *`,
    () => `${int(0, 59)} ${int(6, 9)}-${int(16, 20)} * * 1-5`,
    () => `0 ${int(0, 23)} ${int(1, 28)} * *`,
    () => `30 2 * * ${int(0, 7)}`,
    () => `0 0 L * *`,
    () => `0 12 * * ${int(0, 6)}#${int(1, 4)}`,
  ])();

const awsCron = (): string =>
  pick([
    () => `cron(${int(0, 59)} ${int(0, 23)} * * ? *)`,
    () => `cron(0/${pick([5, 10, 15])} ${int(6, 9)}-${int(16, 20)} ? * MON-FRI *)`,
    () => `cron(0 ${int(0, 23)} L * ? *)`,
    () => `cron(0 ${int(0, 23)} ${int(1, 28)}W * ? *)`,
    () => `cron(0 ${int(0, 23)} LW * ? *)`,
    () => `cron(0 9 ? * ${int(1, 7)}#${int(1, 5)} *)`,
    () => `cron(0 0 ? * ${int(1, 7)}L *)`,
    () => `cron(15 ${int(0, 23)} ? JAN,APR,JUL,OCT ${pick(['MON', 'FRI', '2-6'])} 2026-2040)`,
  ])();

const rate = (): string =>
  pick([
    () => `rate(${int(2, 120)} minutes)`,
    () => `rate(${int(2, 48)} hours)`,
    () => `rate(${int(2, 30)} days)`,
    () => pick(['rate(1 minute)', 'rate(1 hour)', 'rate(1 day)']),
  ])();

const once = (): string =>
  `at(2026-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:00:00)`;

type Job = Readonly<{ schedule: Schedule; tz: string; after: Date; anchor: Date }>;

const START = Date.parse('2026-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

const parseStarted = performance.now();
const jobs: Job[] = Array.from({ length: JOBS }, () => {
  const expression = pick([fiveField, fiveField, awsCron, awsCron, rate, once])();
  const after = new Date(START + Math.floor(random() * YEAR));
  return { schedule: parseSchedule(expression), tz: pick(ZONES), after, anchor: new Date(after.getTime() - int(0, YEAR)) };
});
const parseMs = performance.now() - parseStarted;

const pass = (): { ms: number; runs: number } => {
  const started = performance.now();
  let runs = 0;
  for (const { schedule, tz, after, anchor } of jobs) {
    runs += nextRuns(schedule, { after, tz, anchor, count: RUNS_PER_JOB }).length;
  }
  return { ms: performance.now() - started, runs };
};

const kinds = new Map<string, number>();
for (const { schedule } of jobs) kinds.set(schedule.kind, (kinds.get(schedule.kind) ?? 0) + 1);
const cold = pass();
const warm = pass();
const line = (label: string, { ms, runs }: { ms: number; runs: number }) =>
  `${label}: ${ms.toFixed(1)} ms, ${runs} runs, ${Math.round((runs / ms) * 1000).toLocaleString('en')} runs/s`;

console.log(`jobs: ${JOBS} (${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}), next ${RUNS_PER_JOB} runs each`);
console.log(`parse: ${parseMs.toFixed(1)} ms`);
console.log(line('first pass (zone offsets uncached)', cold));
console.log(line('second pass', warm));
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${new Date().toISOString().slice(0, 10)}`);
