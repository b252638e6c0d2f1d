/**
 * The spool's on-disk framing (README, "Spool", for the guarantees).
 *
 * Segment file `NNNNNNNNNNNN.seg`: the 8-byte magic `VGSPOOL1`, then records back to back.
 * Record, little-endian:
 *
 *   0  u32  magic F7 56 52 31 (0xF7 never occurs in UTF-8, so never in a payload: resync point)
 *   4  u32  payload length in bytes (≤ MAX_PAYLOAD_BYTES)
 *   8  u32  CRC-32C of bytes 12 … end (the rest of the header and the payload)
 *  12  f64  seq (an integer)
 *  20  f64  sealedAt, ms since the epoch (for spool.maxAge)
 *  28  u32  number of samples
 *  32  …    payload: UTF-8 JSON `{"seq":N,"samples":[…]}`, the batch minus agentId and sentAt
 *
 * The header repeats seq, time and count so that start-up builds its index without parsing JSON,
 * and the payload is spliced into the request body as text, never parsed by the agent.
 */
import { type Crc32cKernel, wasmCrc32c } from './crc32c-wasm.js';

export const SEGMENT_MAGIC = Buffer.from('VGSPOOL1', 'latin1');
export const RECORD_MAGIC = Buffer.from([0xf7, 0x56, 0x52, 0x31]);
const RECORD_MAGIC_U32 = RECORD_MAGIC.readUInt32LE(0);
export const HEADER_BYTES = 32;
/** A batch of 5,000 samples with long messages stays far below; a larger length is corruption. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * The record checksum, CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 metadata and
 * Kafka/Prometheus WAL records: better burst detection than the zlib CRC-32 for the same cost.
 * Table-driven, slicing by 4 (four 256-entry tables, built once per Crc32c instance), in WebAssembly
 * for all but short inputs (crc32c-wasm.ts: the agent's JavaScript runs interpreted), here otherwise.
 * `update` chains: crc32c(a ‖ b) = update(update(0, a), b).
 */
const POLY = 0x82f63b78;

function buildTables(): Uint32Array {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 4; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** Below this many bytes (record headers, seq slots) the interpreted loop costs less than copying into WebAssembly memory. */
const WASM_FROM = 64;

export class Crc32c {
  private readonly t = buildTables();
  private readonly kernel: Crc32cKernel | undefined;
  /** Which loop long inputs run in: 'js' where WebAssembly is not available, or when asked for (tests). */
  readonly engine: 'wasm' | 'js';

  constructor(engine: 'auto' | 'js' = 'auto') {
    this.kernel = engine === 'auto' ? wasmCrc32c(this.t) : undefined;
    this.engine = this.kernel ? 'wasm' : 'js';
  }

  /** CRC of `crc`'s data followed by `buf[start, end)`; start with crc = 0. */
  update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
    if (this.kernel && end - start >= WASM_FROM) return this.kernel.update(crc, buf, start, end);
    const t = this.t;
    let c = ~crc >>> 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
    }
    for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
    return ~c >>> 0;
  }

  of(buf: Uint8Array): number {
    return this.update(0, buf);
  }
}

export interface RecordHeader {
  seq: number;
  sealedAt: number;
  samples: number;
  /** Payload bytes. */
  length: number;
}

/** Fills `header` (≥ 32 bytes) for `payload`. */
export function frameHeader(crc: Crc32c, header: Buffer, payload: Uint8Array, seq: number, sealedAt: number, samples: number): Buffer {
  header.writeUInt32LE(RECORD_MAGIC_U32, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeDoubleLE(seq, 12);
  header.writeDoubleLE(sealedAt, 20);
  header.writeUInt32LE(samples, 28);
  header.writeUInt32LE(crc.update(crc.update(0, header, 12, HEADER_BYTES), payload), 8);
  return header;
}

/** The payload text of a batch: `{"seq":N,"samples":[…]}`. */
export function batchPayload(seq: number, samplesJson: string): string {
  return `{"seq":${seq},"samples":${samplesJson}}`;
}

/**
 * Parses a header from `buf[at, at+32)`: undefined when the magic or the length is wrong.
 * The CRC is checked separately (it needs the payload).
 */
export function parseHeader(buf: Buffer, at = 0): RecordHeader | undefined {
  if (buf.readUInt32LE(at) !== RECORD_MAGIC_U32) return undefined;
  const length = buf.readUInt32LE(at + 4);
  if (length > MAX_PAYLOAD_BYTES) return undefined;
  const seq = buf.readDoubleLE(at + 12);
  const sealedAt = buf.readDoubleLE(at + 20);
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(sealedAt)) return undefined;
  return { seq, sealedAt, samples: buf.readUInt32LE(at + 28), length };
}

/** Whether the CRC in `header` matches the header tail and `payload[0, length)`. */
export function crcMatches(crc: Crc32c, header: Buffer, payload: Uint8Array, length: number): boolean {
  return crc.update(crc.update(0, header, 12, HEADER_BYTES), payload, 0, length) === header.readUInt32LE(8);
}
