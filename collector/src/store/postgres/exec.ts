import type { Pool, PoolClient, QueryConfig } from 'pg';
import { VigilError } from '../../../../shared/errors.js';
import type { Raw } from '../rows.js';

export interface Result {
  rows: Raw[];
  rowCount: number;
}

/** Runs queries on the pool (one statement each) or on one client inside a transaction. */
export interface Exec {
  q(sql: string | QueryConfig, params?: unknown[]): Promise<Result>;
  /** Runs `fn` in a transaction (joins the current one when already inside). */
  tx<T>(fn: (e: Exec) => Promise<T>): Promise<T>;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Whether an error means the database cannot be reached (as opposed to a bad statement). */
export function isConnectionError(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return false;
  const err = e as { code?: string; message?: string };
  if (err.code && (CONNECTION_CODES.has(err.code) || err.code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i.test(
    err.message ?? '',
  );
}

/** Connection faults become VIGIL_ERR_STORE_UNAVAILABLE (503, retry later); others pass through. */
export function mapError(e: unknown, where: string): unknown {
  if (e instanceof VigilError) return e;
  if (isConnectionError(e)) return new VigilError('STORE_UNAVAILABLE', `PostgreSQL at ${where} is unavailable: ${(e as Error).message}`, [], { cause: e });
  return e;
}

export function clientExec(client: PoolClient, where: string): Exec {
  const self: Exec = {
    async q(sql, params) {
      try {
        const r = await client.query(sql as string, params);
        return { rows: r.rows as Raw[], rowCount: r.rowCount ?? 0 };
      } catch (e) {
        throw mapError(e, where);
      }
    },
    tx: (fn) => fn(self),
  };
  return self;
}

export function poolExec(pool: Pool, where: string): Exec {
  return {
    async q(sql, params) {
      try {
        const r = await pool.query(sql as string, params);
        return { rows: r.rows as Raw[], rowCount: r.rowCount ?? 0 };
      } catch (e) {
        throw mapError(e, where);
      }
    },
    async tx(fn) {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw mapError(e, where);
      }
      let broken: unknown;
      // a checked-out client whose server goes away emits 'error'; unheard, it would end the process
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const r = await fn(clientExec(client, where));
        await client.query('COMMIT');
        return r;
      } catch (e) {
        if (isConnectionError(e) || isConnectionError((e as { cause?: unknown }).cause)) broken = e;
        else
          await client.query('ROLLBACK').catch((re: unknown) => {
            broken = re;
          });
        throw mapError(e, where);
      } finally {
        client.off('error', onError);
        // a client whose connection broke is discarded, not handed to the next caller
        client.release(broken ? (broken as Error) : undefined);
      }
    },
  };
}
