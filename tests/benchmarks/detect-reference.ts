import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startChild, waitFor, type Child } from '../helpers/net.js';
import type { Target } from './detect-targets.js';

/**
 * The reference: Debian's prometheus scraping prometheus-blackbox-exporter (http_2xx) for
 * the same targets every `intervalS`, rules evaluated every `intervalS`, an alert
 * `probe_success == 0` with `for: <forS>s`, and prometheus-alertmanager (no cluster port,
 * group_wait 0s, one group per target) posting to the bench.
 */
export async function startReference(
  dir: string,
  targets: readonly Pick<Target, 'name' | 'url'>[],
  hookUrl: string,
  intervalS: number,
  forS: number,
  children: Child[],
): Promise<{ promUrl: string; diagnose(): Promise<string> }> {
  const [bbPort, amPort, promPort] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(join(dir, 'prom-data'), { recursive: true });
  mkdirSync(join(dir, 'am-data'));
  writeFileSync(join(dir, 'blackbox.yml'), 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http: { preferred_ip_protocol: ip4 }\n');
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: bench',
      '  group_by: [target]',
      '  group_wait: 0s',
      '  group_interval: 10s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: bench',
      `    webhook_configs: [ { url: "${hookUrl}/alertmanager", send_resolved: false } ]`,
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'rules.yml'),
    [
      'groups:',
      '  - name: bench',
      '    rules:',
      '      - alert: TargetDown',
      '        expr: probe_success == 0',
      `        for: ${forS}s`,
      '        labels: { severity: critical }',
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      `global: { scrape_interval: ${intervalS}s, evaluation_interval: ${intervalS}s, scrape_timeout: 5s }`,
      'rule_files: [rules.yml]',
      `alerting: { alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:${amPort}"] } ] } ] }`,
      'scrape_configs:',
      '  - job_name: blackbox',
      '    metrics_path: /probe',
      '    params: { module: [http_2xx] }',
      '    static_configs:',
      ...targets.map((t) => `      - { targets: ["${t.url}"], labels: { target: ${t.name} } }`),
      '    relabel_configs:',
      '      - { source_labels: [__address__], target_label: __param_target }',
      '      - { source_labels: [__param_target], target_label: instance }',
      `      - { target_label: __address__, replacement: "127.0.0.1:${bbPort}" }`,
    ].join('\n') + '\n',
  );

  const mine: Array<{ name: string; child: Child }> = [];
  const start = async (name: string, cmd: string, args: string[], ready: string) => {
    const child = startChild(cmd, args, dir);
    children.push(child);
    mine.push({ name, child });
    await waitFor(async () => (await fetch(ready)).ok || undefined, name, 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${child.output()}`);
    });
  };
  await start(
    'blackbox exporter',
    'prometheus-blackbox-exporter',
    [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${bbPort}`],
    `http://127.0.0.1:${bbPort}/-/healthy`,
  );
  await start(
    'alertmanager',
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    `http://127.0.0.1:${amPort}/-/ready`,
  );
  const promUrl = `http://127.0.0.1:${promPort}`;
  await start(
    'prometheus',
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    `${promUrl}/-/ready`,
  );

  const upCount = async () => {
    const q = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('count(probe_success == 1)')}`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    return Number(q.data.result[0]?.value[1] ?? 0);
  };
  await waitFor(async () => (await upCount()) === targets.length || undefined, 'every reference probe up', 3 * intervalS * 1000 + 10_000, 500);
  // a port taken between freePort() and the bind: the ready check may have been answered by someone else's server
  const exited = () => mine.filter(({ child: c }) => c.proc.exitCode !== null || c.proc.signalCode !== null);
  for (const { name, child } of exited()) throw new Error(`${name} exited after start-up (${child.proc.exitCode ?? child.proc.signalCode})\n${child.output()}`);
  return {
    promUrl,
    /** For missed reference notifications: Prometheus' notification counters and any child that exited. */
    async diagnose() {
      const sum = async (m: string) => {
        const q = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`sum(${m})`)}`)).json()) as {
          data: { result: Array<{ value: [number, string] }> };
        };
        return q.data.result[0]?.value[1] ?? '?';
      };
      const counters = await Promise.all(
        ['sent', 'errors', 'dropped'].map(async (k) => `${k} ${await sum(`prometheus_notifications_${k}_total`).catch(() => '?')}`),
      );
      const dead = exited().map(({ name, child }) => `${name} exited (${child.proc.exitCode ?? child.proc.signalCode}): ${child.output().slice(-500)}`);
      return [`prometheus notifications: ${counters.join(', ')}`, ...dead].join('; ');
    },
  };
}
