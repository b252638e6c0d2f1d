import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../shared/version.js';
import { tempDir, VIGIL_AGENT } from '../../helpers/net.js';

const BUNDLE = join(process.cwd(), 'dist/agent/vigil-agent.mjs');
const dir = tempDir();
afterAll(() => dir.remove());

describe('bin/vigil-agent: the bundled agent production runs (built by npm run build)', () => {
  it('answers as the agent program, with the version and its subcommands', () => {
    expect(existsSync(BUNDLE), 'build first: npm run build').toBe(true);
    const v = spawnSync(VIGIL_AGENT, ['--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
    const help = spawnSync(VIGIL_AGENT, ['--help'], { encoding: 'utf8' }).stdout;
    for (const sub of ['run', 'enroll', 'check-config', 'run-once', 'responder']) expect(help).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
  });

  it('bad config: exit 2 and every problem with its path, like `vigil agent check-config`', () => {
    const cfg = join(dir.path, 'bad.yaml');
    writeFileSync(cfg, 'collector: { url: "ftp://x" }\nstateDir: ./s\nchecks:\n  - { id: a, type: http }\n  - { id: b, type: nope }\n');
    const r = spawnSync(VIGIL_AGENT, ['check-config', '-c', cfg], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('VIGIL_ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('/collector/url');
    const again = spawnSync('node', [join(process.cwd(), 'dist/cli/vigil.js'), 'agent', 'check-config', '-c', cfg], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('/collector/url');
  });

  it("loading it pulls in neither Node's own undici nor undici's fetch/WebSocket layer, nor node:http/http2, and no collector code", () => {
    const script = `const before = new Set(process.moduleLoadList);
      await import(${JSON.stringify(BUNDLE)});
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));`;
    const r = spawnSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded.some((m) => m.includes('deps/undici'))).toBe(false);
    expect(loaded.filter((m) => /^NativeModule (http|http2|_http_client)$/.test(m))).toEqual([]);
    const text = readFileSync(BUNDLE, 'utf8');
    for (const absent of ['better-sqlite3', 'fastify', 'nodemailer', 'WebSocketStream', 'EventSource']) expect(text.includes(absent), absent).toBe(false);
  });
});
