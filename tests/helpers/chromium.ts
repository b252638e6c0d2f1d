import { WebSocket } from 'undici';
import { freePort, startChild, tempDir, waitFor, type Child } from './net.js';

/**
 * A real headless Chromium (Debian's `chromium`, ../shared/PEERS.md) driven over the DevTools
 * protocol on a loopback port, with a fresh profile in a temp dir: navigate, evaluate, screenshot.
 */
export interface Page {
  navigate(url: string): Promise<void>;
  /** Evaluates an expression in the page (awaiting a promise), returning its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until the expression is truthy in the page. */
  until(expression: string, what: string, timeoutMs?: number): Promise<void>;
  screenshot(): Promise<Buffer>;
}

export async function startChromium(): Promise<{ page: Page; close(): Promise<void> }> {
  const port = await freePort();
  const profile = tempDir();
  const child: Child = startChild('chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--window-size=1280,900',
    `--user-data-dir=${profile.path}`,
    `--remote-debugging-port=${port}`,
    '--remote-debugging-address=127.0.0.1',
    'about:blank',
  ]);
  const target = await waitFor(
    async () => {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json().catch(() => [])) as Array<{ type: string; webSocketDebuggerUrl: string }>;
      return list.find((t) => t.type === 'page');
    },
    'chromium DevTools',
    30_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${child.output()}`);
  });
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('DevTools socket failed')));
  });
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  ws.addEventListener('message', (ev) => {
    const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error.message));
    else p?.resolve(m.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Page.enable');
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  const page: Page = {
    navigate: async (url) => void (await send('Page.navigate', { url })),
    evaluate,
    until: async (expression, what, timeoutMs = 15_000) =>
      void (await waitFor(
        async () => (await evaluate<boolean>(`(() => { try { return !!(${expression}); } catch { return false; } })()`).catch(() => false)) || undefined,
        what,
        timeoutMs,
      )),
    screenshot: async () => Buffer.from((await send<{ data: string }>('Page.captureScreenshot', { format: 'png' })).data, 'base64'),
  };
  return {
    page,
    async close() {
      ws.close();
      await child.stop();
      profile.remove();
    },
  };
}
