import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/children.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/*
 * The package as another project sees it: a project whose node_modules/stance-state is this repository (built: the
 * test runner builds first), importing the package by name, in JavaScript and type-checked TypeScript.
 */
const Library = suite('library: import { getStateManager } from "stance-state", no deep imports');
let dir = '';
Library.before(() => {
  dir = makeTempDir('library');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'stance-state'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
});
Library.after(() => removeDir(dir));

const consumer = `
import { getStateManager, DomainError } from 'stance-state';
const store = 'sqlite:' + process.argv[2];
const manager = await getStateManager(store);
const again = await getStateManager(store);
const seen = [];
const callback = manager.registerCallback('audit', (id, old, now, transition) => { seen.push(id + ':' + transition); }, { pollMs: 10 });
await callback.until(await manager.engine.backend.log.headPosition());
await manager.registerState('user_12345', 'user', { name: 'user_account_state', data: { user_id: '12345' } });
await manager.updateState('user_12345', { data: { user_id: '12345', status: 'active' } }, 'activate');
await manager.transition('user_12345', 'suspend');
await manager.transition('user_12345', 'resume');
const history = await manager.getStateHistory('user_12345');
let refused = null;
try { await manager.transition('user_12345', 'resume'); } catch (e) { refused = e instanceof DomainError ? e.code : String(e); }
await manager.setStateSchema('transaction', { type: 'object', required: ['amount'] });
let invalid = null;
try { await manager.registerState('t1', 'transaction', { data: {} }); } catch (e) { invalid = e.field; }
await manager.saveSession('session_123', { execution_state: { current_step: 42 } });
const checkpoint = await manager.createCheckpoint('session_123', { step: 25 }, { branch: 'branch_456' });
await callback.until(await manager.engine.backend.log.headPosition());
console.log(JSON.stringify({
  same: manager === again,
  transitions: history.map((h) => h.transition),
  refused,
  invalid,
  loaded: await manager.loadSession('session_123'),
  checkpoints: (await manager.listCheckpoints('session_123')).map((c) => c.checkpoint_id === checkpoint.checkpoint_id),
  seen,
  health: (await manager.getHealthStatus()).status,
}));
await manager.close();
`;

Library('a JavaScript project imports getStateManager by the package name and runs the seeds’ examples', () => {
  writeFileSync(join(dir, 'consumer.mjs'), consumer);
  const run = spawnSync(process.execPath, [join(dir, 'consumer.mjs'), join(dir, 'store.db')], { cwd: dir, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout), {
    same: true,
    transitions: ['create', 'activate', 'suspend', 'resume'],
    refused: 'illegal_transition',
    invalid: 'data.amount',
    loaded: { execution_state: { current_step: 42 } },
    checkpoints: [true],
    seen: ['user_12345:create', 'user_12345:activate', 'user_12345:suspend', 'user_12345:resume'],
    health: 'healthy',
  });
});

Library('a TypeScript project type-checks against the shipped declarations (and a wrong call is a type error)', () => {
  writeFileSync(
    join(dir, 'consumer.ts'),
    `import { getStateManager, type StateRecord, type StateChange } from 'stance-state';
const manager = await getStateManager('sqlite:/tmp/never-opened.db');
const state: StateRecord = await manager.registerState('u1', 'user', { data: { a: 1 } });
manager.registerCallback('c', (_id, _old, _new, transition, change: StateChange) => transition === change.transition);
export const status: string = state.status;
`,
  );
  writeFileSync(join(dir, 'wrong.ts'), `import { getStateManager } from 'stance-state';\nconst m = await getStateManager();\nawait m.registerState('u1', 'user', { data: 'not an object' });\n`);
  const tsc = (file: string) =>
    spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules/@types'), file],
      { cwd: dir, encoding: 'utf8' },
    );
  const good = tsc('consumer.ts');
  assert.is(good.status, 0, good.stdout + good.stderr);
  const bad = tsc('wrong.ts');
  assert.is(bad.status, 2, bad.stdout);
  assert.match(bad.stdout, "wrong.ts(3,39): error TS2322: Type 'string' is not assignable to type 'Record<string, Json>'");
});

Library.run();
