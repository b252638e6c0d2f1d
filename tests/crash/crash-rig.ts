/**
 * What the crash test runs and kills: a loopback TCP target for the checks, the recording proxy,
 * the collector process (restarted on the same dataDir, so the same SQLite database, behind the
 * proxy's unchanging address) and the agent's runs. Everything it started is killed by close().
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { readState } from '../../agent/src/state.js';
import { startChild, tempDir, VIGIL_AGENT } from '../helpers/net.js';
import { startCollectorProcess, type CollectorProcess } from '../integration/store/collector-process.js';
import { startAgentRun, type AgentRun } from './agent-runs.js';
import { RecordingProxy } from './recording-proxy.js';

export interface CheckLoad {
  checks: number;
  intervalMs: number;
  timeoutMs: number;
}

export class CrashRig {
  readonly dir = tempDir();
  readonly proxy: RecordingProxy;
  readonly collectors: CollectorProcess[] = [];
  readonly runs: AgentRun[] = [];
  readonly stateDir = join(this.dir.path, 'agent');
  readonly spoolDir = join(this.stateDir, 'spool');
  readonly dbFile = join(this.dir.path, 'data', 'vigil.db');
  readonly clientId = 'crash';
  agentId = '';
  private target: Server | undefined;
  private readonly targetSockets = new Set<Socket>();
  private agentConfig = '';

  constructor(loseAnswer: () => boolean) {
    this.proxy = new RecordingProxy(loseAnswer);
  }

  get collector(): CollectorProcess {
    return this.collectors.at(-1)!;
  }

  get agent(): AgentRun {
    return this.runs.at(-1)!;
  }

  /** Target, proxy, the first collector, and the agent enrolled through the proxy as an operator does it (`vigil-agent enroll`). */
  async start(load: CheckLoad): Promise<void> {
    const target = createServer((s) => {
      this.targetSockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.targetSockets.delete(s));
      s.end();
    });
    this.target = target;
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const targetPort = (target.address() as { port: number }).port;
    const proxyUrl = await this.proxy.listen();
    const c = await this.startCollector();
    const t = await c.post('/api/v1/admin/enrollment-tokens', { clientId: this.clientId, siteId: 'lab' });
    if (t.status !== 201) throw new Error(`enrollment token: ${t.status} ${JSON.stringify(t.body)}`);
    const enroll = startChild(VIGIL_AGENT, ['enroll', '--collector', proxyUrl, '--token', t.body.token, '--state-dir', this.stateDir, '--name', 'crash-agent']);
    if (enroll.proc.exitCode === null) await new Promise((r) => enroll.proc.once('exit', r));
    if (enroll.proc.exitCode !== 0) throw new Error(`vigil-agent enroll exited ${enroll.proc.exitCode}\n${enroll.output()}`);
    this.agentId = readState(this.stateDir).agentId;
    this.agentConfig = join(this.dir.path, 'agent.yaml');
    const { checks, intervalMs, timeoutMs } = load;
    writeFileSync(
      this.agentConfig,
      [
        `collector: { url: "${proxyUrl}" }`,
        `stateDir: ${this.stateDir}`,
        'send: { flushInterval: 1s }',
        'heartbeat: { interval: 2s }',
        'schedule: { slot: 0 }',
        'host: { enabled: false }',
        'log: { level: debug }',
        // far beyond what a run of minutes can reach: no drop may happen, so every loss must be an agent-down window
        'spool: { fsync: 1s, maxBytes: 64MiB, maxAge: 1h }',
        'checks:',
        ...Array.from(
          { length: checks },
          (_, i) =>
            `  - { id: tcp-${String(i).padStart(3, '0')}, type: tcp, interval: ${intervalMs}ms, timeout: ${timeoutMs}ms, host: 127.0.0.1, port: ${targetPort} }`,
        ),
      ].join('\n') + '\n',
    );
  }

  /** A collector on the same dataDir (a fresh port each time: the proxy in front keeps the agent's address). */
  async startCollector(): Promise<CollectorProcess> {
    const c = await startCollectorProcess(this.dir.path, ['log: { level: warn }']);
    this.collectors.push(c);
    this.proxy.upstreamPort = Number(new URL(c.base).port);
    return c;
  }

  async killCollector(c: CollectorProcess = this.collector): Promise<void> {
    if (c.exit()) return;
    const gone = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGKILL');
    await gone;
  }

  startAgent(): AgentRun {
    const run = startAgentRun(this.agentConfig);
    this.runs.push(run);
    return run;
  }

  /** Kills whatever still runs; keeps the files when `keep` (a failed run, to look at). */
  async close(keep: boolean): Promise<void> {
    await Promise.all(this.runs.map((r) => r.kill()));
    await Promise.all(this.collectors.map((c) => this.killCollector(c)));
    await this.proxy.close();
    for (const s of this.targetSockets) s.destroy();
    const target = this.target;
    if (target) await new Promise((r) => target.close(r));
    if (!keep) this.dir.remove();
  }
}
