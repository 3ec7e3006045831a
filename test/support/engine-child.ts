/**
 * A writer process for the many-process tests: `engine-child.ts <store url> <label> <mode> <n> [k]`. It opens the
 * engine by URL as any deployment's process would and prints one line per acknowledged write (`ack …`), one per
 * refused one (`refused …`), and `done` at the end; the parent counts only what was acknowledged.
 *
 * - `decide`: n operations on the shared findings f-0…f-(k-1): a sighting, a note, a resolution, in turn.
 * - `batches`: n scans' worth of 20 new findings each, one `trackFindings` call (one commit) per batch, until killed.
 * - `rebuilds`: n rebuilds of every projection, one after another.
 * - `open`: opens the store and closes it; prints `opening`, `rebuilding` when a rebuild on open starts, and
 *   `opened <projections it rebuilt>`.
 */
import { openEngine } from '../../src/open.js';

const [url = '', label = '', mode = '', count = '0', shared = '5'] = process.argv.slice(2);
const n = Number(count);
const k = Number(shared);
// Between a decision's load and its append, a pause of 0-3 ms (a slower network, a busier machine): the window in
// which another process's write makes the expected revision stale is wide enough to be hit.
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));
const say = (line: string) => process.stdout.write(`${line}\n`);
// `open`: opens the store once (an open rebuilds read models an older release built) and says what it rebuilt.
const rebuilt = new Set<string>();
if (mode === 'open') say('opening');
const engine = await openEngine({
  store: url,
  origin: 'central',
  ...(mode === 'decide' ? { beforeCommit: pause } : {}),
  onRebuild: (name) => {
    if (rebuilt.size === 0) say('rebuilding');
    rebuilt.add(name);
  },
});

if (mode === 'decide') {
  for (let i = 0; i < n; i += 1) {
    const findingId = `f-${(i * 7 + label.length * 3 + Number(label.replace(/\D/g, '') || 0)) % k}`;
    const op = ['sighting', 'note', 'resolve'][i % 3] as string;
    try {
      if (op === 'sighting') await engine.trackFindings([{ findingId, assetId: 'a', ruleId: 'r' }]);
      else if (op === 'note') await engine.addFindingNote(findingId, { by: label, text: `${label}-${i}` });
      else await engine.resolveFinding(findingId, { by: label, reason: `${label}-${i}` });
      say(`ack ${op} ${findingId} ${label}-${i}`);
    } catch (error) {
      say(`refused ${op} ${findingId} ${label}-${i} ${(error as Error).name}: ${(error as Error).message.replace(/\n/g, ' ')}`);
    }
  }
} else if (mode === 'batches') {
  for (let i = 0; i < n; i += 1) {
    const records = Array.from({ length: 20 }, (_, m) => ({ findingId: `k-${label}-${i}-${m}`, assetId: `a-${i}`, ruleId: 'r' }));
    await engine.trackFindings(records);
    say(`ack ${i}`);
  }
} else if (mode === 'open') {
  say(`opened ${[...rebuilt].sort().join(',')}`);
} else if (mode === 'rebuilds') {
  for (let i = 0; i < n; i += 1) {
    try {
      await engine.rebuildProjections();
      say(`ack rebuild ${i}`);
    } catch (error) {
      say(`refused rebuild ${i} ${(error as Error).name}: ${(error as Error).message.replace(/\n/g, ' ')}`);
    }
  }
} else throw new Error(`unknown mode ${mode}`);
await engine.close();
say('done');
