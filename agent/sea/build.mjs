/**
 * npm run build:sea — the single-file agent: dist/sea/vigil-agent, a Node 20 single executable
 * application (SEA, injected with postject) for Linux on the running node's architecture (linux-x64
 * is what was built and tested), which needs no Node, no npm and no compiler on the endpoint, plus
 * dist/sea/vigil-agent.sha256 (sha256sum format). docs/agent-footprint.md, "The single-file agent".
 *   1. esbuild bundles agent/sea/entry.ts as CommonJS (what a Node 20 SEA runs) with the same
 *      options as dist/agent/vigil-agent.mjs, net-ping, raw-socket and agent/native included; the
 *      two compiled addons become SEA assets, loaded at run time by agent/sea/addon.ts;
 *   2. `node --experimental-sea-config` makes the blob; the node binary running this script is
 *      copied, stripped of its debug sections and static symbols (`strip`, when installed) and given
 *      the blob.
 * The addons are built for this very binary by `npm ci`: the executable only runs them with it.
 * Step 2 is skipped when nothing that goes into the executable changed (dist/sea/inputs.sha256).
 * Progress on stderr; one JSON line on stdout: size, sha256, the newest glibc each part needs, and
 * cold start (`--version`, median of 5) next to the bundle under node. `npm run bench:sea` measures
 * start-up in more detail.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { agentBundleOptions, noNodeHttpForUndici } from '../bundle.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'dist/sea');
const exe = join(out, 'vigil-agent');
/** SEA asset key → the addon npm ci built (raw-socket's is required: without it no ICMP check runs). */
const ASSETS = {
  'raw.node': { file: 'node_modules/raw-socket/build/Release/raw.node', required: true },
  'vigil_native.node': { file: 'agent/native/build/Release/vigil_native.node', required: false },
};
/** postject's sentinel for Node's SEA fuse (Node's documentation, "Injecting the preparation blob"). */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const log = (m) => process.stderr.write(`[build:sea] ${m}\n`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// postject's ELF path and the strip step; macOS (Mach-O, codesign) and Windows (PE) would need their own
if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch))
  throw new Error(`build:sea makes a Linux executable (x64, arm64) from the running node; this is ${process.platform}-${process.arch}`);

/** agent/src/native-require.ts → agent/sea/native-require.ts; every `*.node` require → its SEA asset. */
const seaNative = {
  name: 'sea-native',
  setup(b) {
    b.onResolve({ filter: /native-require\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === join(root, 'agent/src/native-require.js') ? { path: join(root, 'agent/sea/native-require.ts') } : undefined,
    );
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const key = basename(args.path);
      if (!(key in ASSETS)) return { errors: [{ text: `${args.path} (from ${args.importer}) is not a SEA asset: add it to ASSETS in agent/sea/build.mjs` }] };
      return { path: key, namespace: 'sea-addon' };
    });
    b.onLoad({ filter: /.*/, namespace: 'sea-addon' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(join(root, 'agent/sea/addon.ts'))}).loadAssetAddon(${JSON.stringify(args.path)});`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

mkdirSync(out, { recursive: true });
const main = join(out, 'vigil-agent.cjs');
await build({
  ...agentBundleOptions,
  entryPoints: ['agent/sea/entry.ts'],
  outfile: main,
  format: 'cjs',
  // host metrics off Linux only: never loaded by a linux-x64 executable
  external: ['systeminformation'],
  plugins: [noNodeHttpForUndici, seaNative],
});

const assets = {};
for (const [key, a] of Object.entries(ASSETS)) {
  if (existsSync(join(root, a.file))) assets[key] = join(root, a.file);
  else if (a.required) throw new Error(`${a.file} is missing: run npm ci (it builds the addon) before npm run build:sea`);
  else log(`${a.file} not built: the executable runs without it (no heap trimming, VoIP streams in JavaScript)`);
}
const config = { main, output: join(out, 'vigil-agent.blob'), disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets };
const inputs = sha256(
  [
    process.version,
    sha256(readFileSync(process.execPath)),
    sha256(readFileSync(main)),
    JSON.stringify(config),
    ...Object.values(assets).map((f) => sha256(readFileSync(f))),
    sha256(readFileSync(fileURLToPath(import.meta.url))),
  ].join('\n'),
);
const inputsFile = join(out, 'inputs.sha256');
const cached = existsSync(exe) && existsSync(inputsFile) && readFileSync(inputsFile, 'utf8').trim() === inputs;
const t0 = performance.now();
if (cached) log('nothing that goes into the executable changed: kept dist/sea/vigil-agent');
else {
  const seaConfig = join(out, 'sea-config.json');
  writeFileSync(seaConfig, `${JSON.stringify(config, null, 2)}\n`);
  const blob = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], { cwd: out, encoding: 'utf8' });
  if (blob.status !== 0) throw new Error(`node --experimental-sea-config failed:\n${blob.stderr}${blob.stdout}`);
  const tmp = `${exe}.tmp`;
  rmSync(tmp, { force: true });
  copyFileSync(process.execPath, tmp);
  chmodSync(tmp, 0o755);
  // debug sections and the static symbol table (≈ 12 MB of the node binary) never load at run time;
  // the dynamic symbols addons link against stay
  const strip = spawnSync('strip', ['--strip-all', tmp], { encoding: 'utf8' });
  if (strip.status !== 0) log(`strip not run (${strip.error?.message ?? strip.stderr.trim()}): the executable keeps its debug symbols`);
  const postject = join(root, 'node_modules/postject/dist/cli.js');
  const inject = spawnSync(process.execPath, [postject, tmp, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', FUSE], { encoding: 'utf8' });
  if (inject.status !== 0) throw new Error(`postject failed:\n${inject.stderr}${inject.stdout}`);
  renameSync(tmp, exe);
  rmSync(config.output, { force: true });
  writeFileSync(`${exe}.sha256`, `${sha256(readFileSync(exe))}  vigil-agent\n`);
  writeFileSync(inputsFile, `${inputs}\n`);
  log(`built dist/sea/vigil-agent in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * The newest glibc symbol version a file asks for (the version names are strings in its dynamic
 * string table). An addon built on a newer glibc than the node binary needs would not load on the
 * older systems the executable otherwise runs on (agent/native/src/rtp_stream.c binds pthread_*
 * to their old versions for that reason).
 */
const glibcOf = (file) => {
  const minor = [
    ...readFileSync(file)
      .toString('latin1')
      .matchAll(/GLIBC_2\.(\d+)/g),
  ].reduce((m, x) => Math.max(m, Number(x[1])), 0);
  return minor ? `2.${minor}` : undefined;
};
const glibc = { node: glibcOf(process.execPath), ...Object.fromEntries(Object.entries(assets).map(([k, f]) => [k, glibcOf(f)])) };
for (const [k, v] of Object.entries(glibc))
  if (v && glibc.node && Number(v.slice(2)) > Number(glibc.node.slice(2)))
    log(`warning: ${k} needs glibc ${v}, newer than the ${glibc.node} of node itself: it will not load on older systems`);

/** Median wall time of `runs` runs of cmd (ms). */
function startMs(cmd, args, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
    times.push(performance.now() - s);
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(runs / 2)] * 10) / 10;
}
const version = spawnSync(exe, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
if (version.status !== 0) throw new Error(`dist/sea/vigil-agent --version failed: ${version.stderr || version.error?.message}`);
const bundle = join(root, 'dist/agent/vigil-agent.mjs');
const result = {
  artifact: 'dist/sea/vigil-agent',
  version: version.stdout.trim(),
  node: process.version,
  bytes: statSync(exe).size,
  sizeMB: Math.round((statSync(exe).size / 1048576) * 10) / 10,
  sha256: readFileSync(`${exe}.sha256`, 'utf8').split(' ')[0],
  assets: Object.keys(assets),
  glibc,
  cached,
  coldStartMs: { sea: startMs(exe, ['--version']), ...(existsSync(bundle) ? { nodeBundle: startMs(process.execPath, [bundle, '--version']) } : {}) },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
