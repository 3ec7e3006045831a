import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Checkpoints = suite('cli: checkpoint scopes are apart, and empty parts are bad input');
let dir = '';
let data = '';
Checkpoints.before(async () => {
  dir = makeTempDir('cli-checkpoint');
  data = join(dir, 'data');
  await runCli(['--data', data, 'scan', 'start', 's', '--snapshot', 'x']);
});
Checkpoints.after(() => removeDir(dir));

const cli = (args: string[]) => runCli(['--data', data, ...args]);
const head = async (): Promise<number> => (JSON.parse((await cli(['log', 'stats', '--json'])).stdout) as { head_position: number }).head_position;

Checkpoints('an empty account or region is refused with exit 2 naming it, and nothing is written', async () => {
  const before = await head();
  const cases: [string[], string][] = [
    [['checkpoint', 'set', 'iam', '111111111111', '', '--scan', 's'], 'invalid region: ""'],
    [['checkpoint', 'set', 'iam', '', 'us-east-1', '--scan', 's'], 'invalid account: ""'],
    [['checkpoint', 'set', '', '111', 'us-east-1', '--scan', 's'], 'invalid collector: ""'],
    [['checkpoint', 'delete', 'iam', '', 'us-east-1'], 'invalid account: ""'],
    [['checkpoint', 'get', 'iam', '111', ''], 'invalid region: ""'],
    [['checkpoint', 'list', '--account', ''], 'invalid account: ""'],
    [['scan', 'start', 's9', '--snapshot', 'x', '--region', ''], 'invalid region: ""'],
  ];
  for (const [args, message] of cases) {
    const run = await cli(args);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.ok(isOneLineError(run), run.stderr);
  }
  assert.is(await head(), before);
});

Checkpoints('scopes that differ only in where a colon falls are two checkpoints; deleting one leaves the other', async () => {
  const a = await cli(['checkpoint', 'set', 'iam', '111', 'us-east-1:x', '--scan', 's', '--cursor', 'a', '--json']);
  const b = await cli(['checkpoint', 'set', 'iam:111', 'us-east-1', 'x', '--scan', 's', '--cursor', 'b', '--json']);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const idOf = (run: { stdout: string }) => (JSON.parse(run.stdout) as { checkpoint_id: string }).checkpoint_id;
  assert.is.not(idOf(a), idOf(b));
  const tail = await cli(['log', 'tail', '-n', '2', '--json']);
  const streams = tail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { stream: string }).stream);
  assert.equal(streams, ['checkpoint-iam:111:us-east-1%3Ax', 'checkpoint-iam%3A111:us-east-1:x']);
  assert.is((await cli(['checkpoint', 'delete', 'iam:111', 'us-east-1', 'x'])).code, 0);
  const left = await cli(['checkpoint', 'get', 'iam', '111', 'us-east-1:x', '--json']);
  assert.equal([left.code, (JSON.parse(left.stdout) as { cursor: string }).cursor], [0, 'a']);
  const gone = await cli(['checkpoint', 'get', 'iam:111', 'us-east-1', 'x']);
  assert.is(gone.code, 1);
});

Checkpoints('a scope without % or : keeps its stream name', async () => {
  assert.is((await cli(['checkpoint', 'set', 'iam', '111', 'us-east-1', '--scan', 's'])).code, 0);
  const tail = await cli(['log', 'tail', '-n', '1', '--json']);
  assert.is((JSON.parse(tail.stdout) as { stream: string }).stream, 'checkpoint-iam:111:us-east-1');
});

Checkpoints.run();
