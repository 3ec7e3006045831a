/**
 * Builds the dashboard (src/web) into dist/web: one hashed script and one hashed style sheet bundled by esbuild
 * (preact and uPlot inside, nothing fetched from another host), the icon, and an index.html naming them with no
 * inline script or style, so `serve` can send a strict Content-Security-Policy. Run by `npm run build` (and so by
 * `npm ci` through `prepare`). `--watch` rebuilds on change.
 */
import { build, context, type BuildOptions, type Metafile } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const source = join(root, 'src/web');
const out = join(root, 'dist/web');
const assets = join(out, 'assets');

const options: BuildOptions = {
  entryPoints: { app: join(source, 'main.tsx'), style: join(source, 'app.css') },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: assets,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'eof',
};

const outputOf = (meta: Metafile, ext: string): string => {
  const file = Object.keys(meta.outputs).find((f) => f.endsWith(ext) && !f.endsWith('.map'));
  if (file === undefined) throw new Error(`esbuild wrote no ${ext} file`);
  return `/assets/${basename(file)}`;
};

/** The icon under a content hash, like the bundles: every asset can then be cached for good. */
const copyIcon = (): string => {
  const icon = join(source, 'assets/icon.svg');
  const hash = createHash('sha256').update(readFileSync(icon)).digest('hex').slice(0, 8).toUpperCase();
  const name = `icon-${hash}.svg`;
  copyFileSync(icon, join(assets, name));
  return `/assets/${name}`;
};

const page = (script: string, style: string, icon: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>stance-state</title>
<link rel="icon" href="${icon}" type="image/svg+xml">
<link rel="stylesheet" href="${style}">
<script type="module" src="${script}"></script>
</head>
<body>
<div id="app"><noscript>The stance-state dashboard needs JavaScript. The same figures are in the HTTP API under /v1.</noscript></div>
</body>
</html>
`;

const writePage = (meta: Metafile): void => {
  const html = page(outputOf(meta, '.js'), outputOf(meta, '.css'), copyIcon());
  writeFileSync(join(out, 'index.html'), html);
};

const main = async (): Promise<void> => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(assets, { recursive: true });
  if (process.argv.includes('--watch')) {
    const ctx = await context({
      ...options,
      plugins: [{ name: 'page', setup: (b) => b.onEnd((r) => r.metafile && writePage(r.metafile)) }],
    });
    await ctx.watch();
    process.stderr.write(`watching ${relative(root, source)}\n`);
    return;
  }
  const result = await build(options);
  if (result.metafile === undefined) throw new Error('esbuild returned no metafile');
  writePage(result.metafile);
};

await main();
