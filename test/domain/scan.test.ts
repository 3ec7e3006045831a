import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, scan, type ScanCommand, type ScanEvent } from '../../src/domain/index.js';
import { specify } from '../support/decider.js';
import { at } from '../support/findings.js';

const given = specify(scan);
const started = (id = 's1'): ScanEvent => ({
  type: 'ScanStarted',
  data: {
    scanId: id,
    snapshotId: 'snap',
    configName: 'default',
    accountId: '111',
    region: 'us-east-1',
    collectors: ['iam'],
    fullScope: false,
    startedAt: at(1),
    metadata: {},
  },
});
const start = (id = 's1'): ScanCommand => ({ type: 'StartScan', data: (started(id) as Extract<ScanEvent, { type: 'ScanStarted' }>).data });
const complete = (errorMessage = '', id = 's1'): ScanCommand => ({
  type: 'CompleteScan',
  data: { scanId: id, assetCount: 10, findingCount: 3, errorMessage, at: at(1, 1) },
});
const completed: ScanEvent = {
  type: 'ScanCompleted',
  data: { scanId: 's1', assetCount: 10, findingCount: 3, completedAt: at(1, 1), durationSeconds: 3600 },
};
const cancel: ScanCommand = { type: 'CancelScan', data: { scanId: 's1', by: 'ops', reason: 'stuck', cancelledAt: at(1, 2) } };
const archive: ScanCommand = { type: 'ArchiveScan', data: { scanId: 's1', archivedAt: at(9), retentionDays: 7 } };

const Scans = suite('domain/scan: status transitions');

Scans('starting a scan makes it running', () => {
  given().when(start()).then(started());
  assert.is(fold(scan, [started()])?.status, 'running');
});

Scans('starting a scan id twice is refused', () => {
  given(started()).when(start()).thenFails('illegal_transition');
});

Scans('completing a running scan records counts and duration', () => {
  given(started()).when(complete()).then(completed);
  const s = fold(scan, [started(), completed]);
  assert.equal([s?.status, s?.assetCount, s?.durationSeconds], ['completed', 10, 3600]);
});

Scans('completing with an error message makes the scan failed', () => {
  given(started())
    .when(complete('throttled'))
    .then({
      type: 'ScanFailed',
      data: { scanId: 's1', assetCount: 10, findingCount: 3, error: 'throttled', completedAt: at(1, 1), durationSeconds: 3600 },
    });
});

Scans('completing an unknown or finished scan is refused', () => {
  given().when(complete()).thenFails('unknown_scan');
  given(started(), completed).when(complete()).thenFails('illegal_transition');
});

Scans('cancelling a running scan is recorded; cancelling a finished one is refused', () => {
  given(started())
    .when(cancel)
    .then({ type: 'ScanCancelled', data: { scanId: 's1', by: 'ops', reason: 'stuck', cancelledAt: at(1, 2) } });
  given(started(), completed).when(cancel).thenFails('illegal_transition');
  given().when(cancel).thenFails('unknown_scan');
});

Scans('only finished scans are archived, once', () => {
  given(started()).when(archive).thenFails('illegal_transition');
  given(started(), completed)
    .when(archive)
    .then({ type: 'ScanArchived', data: { scanId: 's1', archivedAt: at(9), retentionDays: 7 } });
  given(started(), completed, { type: 'ScanArchived', data: { scanId: 's1', archivedAt: at(9), retentionDays: 7 } })
    .when(archive)
    .then();
});

Scans.run();
