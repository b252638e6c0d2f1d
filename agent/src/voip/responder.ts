// PLACEHOLDER signature — replaced by the owner of this file.
export interface ResponderHandle {
  port: number;
  close(): Promise<void>;
}
export async function startEchoResponder(_opts: { host: string; port: number }): Promise<ResponderHandle> {
  throw new Error('not implemented');
}
