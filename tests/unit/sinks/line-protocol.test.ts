import { describe, expect, it } from 'vitest';
import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import { checkLine, escapeKey, hostField, metricLine, sampleLine } from '../../../collector/src/sinks/line-protocol.js';

const agent = { agentId: 'agent-7', client: 'acme', site: 'hq' };
const TS = 1_767_225_600_123;

describe('line protocol of check results and host metrics', () => {
  it('a check result: measurement vigil, identity tags sorted, numeric fields named as the /metrics names, ms timestamp', () => {
    const s: CheckResultSample = {
      kind: 'check',
      checkId: 'web-1',
      type: 'http',
      ts: TS,
      status: 'up',
      durationMs: 42,
      metrics: { first_byte_seconds: 0.0125, http_status: 200 },
      labels: { client: 'not-the-agents', site: 'elsewhere', service: 'web', team: 'noc' },
      target: 'https://portal.acme.example',
      message: 'ok',
    };
    expect(checkLine(s, agent)).toBe(
      'vigil,agent=agent-7,check=web-1,client=acme,service=web,site=hq,type=http ' +
        `check_up=1,check_degraded=0,check_duration_seconds=0.042,probe_first_byte_seconds=0.0125,probe_http_status=200 ${TS}`,
    );
  });

  it('down and degraded: up=0; degraded=1 only for degraded; no service label: no service tag (an empty tag value is not allowed)', () => {
    const base = { kind: 'check', checkId: 'fw-1', type: 'icmp', ts: TS, durationMs: 1500 } as const;
    expect(checkLine({ ...base, status: 'down', reason: 'timeout' }, agent)).toBe(
      `vigil,agent=agent-7,check=fw-1,client=acme,site=hq,type=icmp check_up=0,check_degraded=0,check_duration_seconds=1.5 ${TS}`,
    );
    expect(checkLine({ ...base, status: 'degraded', labels: { service: '' } }, agent)).toBe(
      `vigil,agent=agent-7,check=fw-1,client=acme,site=hq,type=icmp check_up=0,check_degraded=1,check_duration_seconds=1.5 ${TS}`,
    );
  });

  it('a host metric: field host_<name> (no doubled host_), its own labels as tags but never client/site/agent or __name__', () => {
    const m: MetricSample = {
      kind: 'metric',
      name: 'host_disk_used_bytes',
      ts: TS,
      value: 12_000_000_000,
      labels: { mount: '/var', client: 'x', agent: 'y', __name__: 'z', fs: 'ext4' },
    };
    expect(metricLine(m, agent)).toBe(`vigil,agent=agent-7,client=acme,fs=ext4,mount=/var,site=hq host_disk_used_bytes=12000000000 ${TS}`);
    expect(hostField('cpu_usage_ratio')).toBe('host_cpu_usage_ratio');
    expect(metricLine({ kind: 'metric', name: 'load1', ts: TS, value: 0.25 }, agent)).toBe(`vigil,agent=agent-7,client=acme,site=hq host_load1=0.25 ${TS}`);
  });

  it('escapes comma, space, equals and backslash in tags (a Windows mount C:\\ does not swallow the next comma); line breaks become \\n', () => {
    expect(escapeKey('C:\\')).toBe('C:\\\\');
    expect(escapeKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeKey('two\nlines\ttab')).toBe('two\\nlines\\ttab');
    expect(escapeKey('plain-value_1.2:3')).toBe('plain-value_1.2:3');
    const m: MetricSample = { kind: 'metric', name: 'host_disk_free_bytes', ts: TS, value: 1, labels: { mount: 'C:\\', iface: 'Local Area, 2' } };
    expect(metricLine(m, agent)).toBe(`vigil,agent=agent-7,client=acme,iface=Local\\ Area\\,\\ 2,mount=C:\\\\,site=hq host_disk_free_bytes=1 ${TS}`);
  });

  it('floats as JavaScript writes them (exponents included), never with an integer suffix', () => {
    const line = metricLine({ kind: 'metric', name: 'host_big', ts: TS, value: 1e21 }, agent);
    expect(line).toBe(`vigil,agent=agent-7,client=acme,site=hq host_big=1e+21 ${TS}`);
    expect(metricLine({ kind: 'metric', name: 'host_tiny', ts: TS, value: -2.5e-7 }, agent)).toContain('host_tiny=-2.5e-7 ');
    expect(sampleLine({ kind: 'metric', name: 'host_nan', ts: TS, value: Number.NaN }, agent)).toBeUndefined();
  });
});
