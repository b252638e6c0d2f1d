/**
 * Bundles the agent (agent/src/bin.ts and everything it imports, dependencies included)
 * into one minified ES module, dist/agent/vigil-agent.mjs, started by bin/vigil-agent.
 * Why: on an endpoint the agent's resident memory is mostly loaded code; one file without
 * module resolution and without the unused parts of its dependencies keeps the V8 heap at
 * about half of what the tsc output loads (README, "Agent footprint").
 * Native or platform-specific modules stay external and load from node_modules:
 * net-ping (raw sockets), systeminformation (host metrics off Linux only) and
 * vigil-agent-native (agent/native: malloc_trim).
 * undici's imports of `node:http` and `node:http2` get agent/src/http/node-http-stub.cjs:
 * the agent only speaks HTTP/1.1 through undici, and loading the two costs the running agent ≈ 0.8 MB RSS.
 * The single-file agent (agent/sea/build.mjs) is built from the same options, as CommonJS.
 */
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stub = fileURLToPath(new URL('src/http/node-http-stub.cjs', import.meta.url));

/** `node:http` / `node:http2` imported from undici resolve to the stub; anyone else gets the real module. */
export const noNodeHttpForUndici = {
  name: 'no-node-http-for-undici',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http2?$/ }, (args) => (/[\\/]node_modules[\\/]undici[\\/]/.test(args.importer) ? { path: stub } : undefined));
  },
};
/** What both agent bundles share. */
export const agentBundleOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  minify: true,
  logLevel: 'warning',
  metafile: true,
};

async function bundleAgent() {
  const result = await build({
    ...agentBundleOptions,
    entryPoints: ['agent/src/bin.ts'],
    outfile: 'dist/agent/vigil-agent.mjs',
    format: 'esm',
    sourcemap: 'linked',
    external: ['net-ping', 'systeminformation', 'vigil-agent-native'],
    // CommonJS dependencies call require() for Node built-ins: give the ES module one.
    banner: { js: "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);" },
    plugins: [noNodeHttpForUndici],
  });
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  if (process.argv.includes('--verbose')) process.stderr.write(`dist/agent/vigil-agent.mjs: ${(bytes / 1024).toFixed(0)} KiB\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleAgent();
