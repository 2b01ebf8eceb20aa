// Bundles the pages (src/) with esbuild into cloud/AgriInsure.Cloud.Host/site/: index.html, app-HASH.js,
// app-HASH.css and the images Leaflet's stylesheet names. Names carry a hash of their content, so the host can let
// browsers keep them for a year and a slow link fetches each once. The output is committed (agri serve needs no
// Node.js); `node build.mjs --check` rebuilds into a temporary folder and fails when the committed files differ.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const site = join(here, '..', '..', 'cloud', 'AgriInsure.Cloud.Host', 'site');
const check = process.argv.includes('--check');

async function bundle(out) {
  mkdirSync(out, { recursive: true });
  const result = await build({
    // Paths inside the bundle are relative to this folder, wherever the build is started from.
    absWorkingDir: here,
    entryPoints: { app: join(here, 'src', 'main.js') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    outdir: out,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.png': 'file', '.svg': 'file' },
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  writeFileSync(join(out, 'index.html'), `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>AgriInsure</title>
<link rel="stylesheet" href="/${css}">
<script type="module" src="/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript><span lang="en">AgriInsure needs JavaScript.</span> 农险通需要启用 JavaScript。</noscript>
</body>
</html>
`);
}

const files = (dir) => (existsSync(dir) ? readdirSync(dir).sort() : []);

if (check) {
  const temp = mkdtempSync(join(tmpdir(), 'agri-web-'));
  try {
    await bundle(temp);
    const built = files(temp);
    const committed = files(site);
    const differ = [...new Set([...built, ...committed])].filter((f) =>
      !built.includes(f) || !committed.includes(f) || !readFileSync(join(temp, f)).equals(readFileSync(join(site, f))));
    if (differ.length) {
      console.error(`web: the committed bundle in ${site} is stale (${differ.join(', ')}); run node tools/web/build.mjs`);
      process.exit(1);
    }
    console.log(`web: the committed bundle matches src/ (${built.length} files)`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
} else {
  rmSync(site, { recursive: true, force: true });
  await bundle(site);
  console.log(`web: wrote ${files(site).join(', ')} to ${site}`);
}
