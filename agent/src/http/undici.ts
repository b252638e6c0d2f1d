/**
 * The parts of undici the agent uses, imported by module path instead of through undici's
 * index. The index loads all of undici (fetch, WebSocket, caches, mocks) and, by touching
 * the `Headers`/`Blob`/`File` globals, Node's own bundled copy of undici as well: about
 * 6 MB of resident memory and 4 MB of heap in a process that only makes plain requests.
 * Pinned by the undici 7.x range in package.json; tests/integration/agent exercises each.
 */
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import connectorBuilder from 'undici/lib/core/connect.js';
import redirectInterceptor from 'undici/lib/interceptor/redirect.js';
import dispatchRequest from 'undici/lib/api/api-request.js';

export type { Dispatcher };
export const Agent = AgentClass;
export const Pool = PoolClass;
export const buildConnector = connectorBuilder;
export const redirect = redirectInterceptor;

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod };

/** undici's `request(url, opts)` on a given dispatcher (what its index wraps around the same function). */
export function request(dispatcher: Dispatcher, url: string | URL, opts: RequestOptions = {}): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  return dispatchRequest.call(dispatcher, {
    ...opts, origin: u.origin, path: `${u.pathname}${u.search}`, method: opts.method ?? (opts.body ? 'PUT' : 'GET'),
  } as Dispatcher.RequestOptions);
}

/** A path request on a dispatcher bound to one origin (Pool, Client). */
export function requestPath(dispatcher: Dispatcher, opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return dispatchRequest.call(dispatcher, opts);
}
