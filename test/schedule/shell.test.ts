import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRecord, RunRecord } from '../../src/engine/index.js';
import { shellExecutor, TIMEOUT, type RunContext } from '../../src/schedule/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Shell = suite('schedule/shell: the command executor');
let dir = '';
Shell.before(() => {
  dir = makeTempDir('shell');
});
Shell.after(() => removeDir(dir));

const job = (command: string): JobRecord => ({
  id: 'job-1', name: 'nightly', schedule_type: 'cron', schedule_expression: '0 2 * * *', timezone: 'UTC',
  config_name: 'cis-aws', command, account_id: '111', region: 'eu-west-1', misfire_policy: 'fire_once',
  overlap_policy: 'skip', timeout_seconds: 60, enabled: true, next_run: null, last_run: null, run_count: 0,
  skipped_count: 0, running: [], last_result: null, anchor: '', created_at: '', updated_at: '', metadata: {},
});
const run: RunRecord = {
  job_id: 'job-1', run_id: 'run-1', scan_id: 'scan-1', trigger: 'schedule', scheduled_for: '2026-01-01T02:00:00.000Z',
  started_at: '2026-01-01T02:00:00.000Z', completed_at: null, success: null, result: null, error: '', exit_code: null,
  assets_scanned: 0, findings_count: 0, duration_seconds: null, host: 'h', pid: 1,
};
const context = (command: string, signal = new AbortController().signal): RunContext => ({ job: job(command), run, signal });

Shell('the command sees the run’s ids; exit 0 is success, with the counts its last line reports', async () => {
  const out = join(dir, 'env.txt');
  const command = `printf '%s %s %s %s' "$STANCE_SCAN_ID" "$STANCE_JOB_ID" "$STANCE_CONFIG_NAME" "$STANCE_STATE_DIR" > '${out}'
    echo 'scanning'; echo '{"assets_scanned": 12, "findings_count": 3}'`;
  const outcome = await shellExecutor({ env: { STANCE_STATE_DIR: '/data' } })(context(command));
  assert.equal(outcome, { result: 'success', exitCode: 0, assetCount: 12, findingCount: 3 });
  assert.is(readFileSync(out, 'utf8'), 'scan-1 job-1 cis-aws /data');
});

Shell('another exit code fails the run, with the last line of stderr as the reason', async () => {
  const outcome = await shellExecutor()(context(`echo 'step 1' >&2; printf '\\033[31mAccessDenied\\033[0m\\n' >&2; exit 3`));
  assert.equal(outcome, { result: 'failed', exitCode: 3, error: 'exit code 3: [31mAccessDenied[0m' });
});

Shell('a timeout ends the whole process group at once: a shell’s child would hold the run open', async () => {
  const controller = new AbortController();
  const pending = shellExecutor()(context('sleep 30; echo never', controller.signal));
  controller.abort(TIMEOUT);
  const outcome = await pending;
  assert.equal([outcome.result, outcome.error], ['timeout', 'timed out']);
});

Shell('a command that cannot start fails the run', async () => {
  const outcome = await shellExecutor({ cwd: join(dir, 'missing') })(context('true'));
  assert.is(outcome.result, 'failed');
  assert.match(outcome.error ?? '', /cannot run the command/);
});

Shell.run();
