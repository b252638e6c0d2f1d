import { request } from 'undici';
import { VigilError } from '../../../shared/errors.js';

export interface ApiTarget {
  collector: string;
  adminToken?: string;
}

/** Calls the collector API; a coded error from the server comes back as the same VigilError. */
export async function callApi(t: ApiTarget, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (t.adminToken) headers.authorization = `Bearer ${t.adminToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(new URL(path, t.collector), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new VigilError('UPSTREAM', `cannot reach the collector at ${t.collector}: ${(e as Error).message}`);
  }
  const json = (await res.body.json().catch(() => ({}))) as { error?: { code: string; message: string; problems?: Array<{ path: string; message: string }> } };
  if (res.statusCode >= 400) {
    const key = (json.error?.code ?? 'VIGIL_ERR_UPSTREAM').replace(/^VIGIL_ERR_/, '');
    throw new VigilError(key as never, json.error?.message ?? `HTTP ${res.statusCode}`, json.error?.problems ?? []);
  }
  return json;
}

/** Where and as whom: --admin-token or --token, else VIGIL_ADMIN_TOKEN or VIGIL_TOKEN (every route but health needs one). */
export function targetFrom(o: { collector?: string; adminToken?: string; token?: string }): ApiTarget {
  const collector = o.collector ?? process.env.VIGIL_COLLECTOR_URL ?? 'http://127.0.0.1:8460';
  const adminToken = o.adminToken ?? o.token ?? process.env.VIGIL_ADMIN_TOKEN ?? process.env.VIGIL_TOKEN;
  return { collector, ...(adminToken ? { adminToken } : {}) };
}
