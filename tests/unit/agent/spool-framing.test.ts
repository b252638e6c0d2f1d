import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordReader } from '../../../shared/spool/record-reader.js';
import { batchPayload, Crc32c, crcMatches, frameHeader, HEADER_BYTES, parseHeader, SEGMENT_MAGIC } from '../../../shared/spool/record.js';
import { tempDir } from '../../helpers/net.js';

const dir = tempDir();
afterAll(() => dir.remove());
const crc = new Crc32c();
const js = new Crc32c('js');

/** Bit-at-a-time CRC-32C straight from the definition: the reference the table-driven one must equal. */
function naiveCrc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function frame(seq: number, sealedAt: number, samples: unknown[]): Buffer {
  const payload = Buffer.from(batchPayload(seq, JSON.stringify(samples)));
  return Buffer.concat([frameHeader(crc, Buffer.alloc(HEADER_BYTES), payload, seq, sealedAt, samples.length), payload]);
}

describe('spool CRC-32C', () => {
  it('matches the published check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc.of(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc.of(Buffer.alloc(0))).toBe(0);
    expect(crc.of(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc.of(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc.of(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc.of(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('equals the bit-at-a-time definition on any input, and chains over any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        expect(crc.of(bytes)).toBe(naiveCrc32c(bytes));
        expect(crc.update(crc.update(0, bytes, 0, at), bytes, at)).toBe(naiveCrc32c(bytes));
        expect(js.of(bytes)).toBe(naiveCrc32c(bytes)); // the JavaScript loop (short inputs, no WebAssembly)
      }),
    );
  });

  it('WebAssembly and JavaScript give the same value across the kernel’s 60 KiB chunks and at odd offsets', () => {
    expect(crc.engine).toBe('wasm');
    expect(js.engine).toBe('js');
    const big = Buffer.from(Array.from({ length: 200_003 }, (_, i) => (i * 31 + (i >> 7)) & 0xff));
    for (const [start, end] of [
      [0, 61_439],
      [0, 61_440],
      [0, 61_441],
      [3, 200_003],
      [61_439, 122_881],
    ] as const)
      expect(crc.update(0, big, start, end), `${start}..${end}`).toBe(js.update(0, big, start, end));
    expect(crc.of(big)).toBe(naiveCrc32c(big));
  });
});

describe('spool record framing', () => {
  it('a framed batch reads back with its seq, time, sample count and exact payload text', () => {
    const samples = [{ kind: 'metric', name: 'host_cpu_usage_ratio', ts: 1, value: 0.5, labels: { note: 'ünïcode ✓' } }];
    const rec = frame(42, 1_700_000_000_123, samples);
    const h = parseHeader(rec)!;
    expect(h).toEqual({ seq: 42, sealedAt: 1_700_000_000_123, samples: 1, length: rec.length - HEADER_BYTES });
    expect(crcMatches(crc, rec, rec.subarray(HEADER_BYTES), h.length)).toBe(true);
    expect(JSON.parse(rec.subarray(HEADER_BYTES).toString('utf8'))).toEqual({ seq: 42, samples });
    // the payload never holds the record magic's first byte: a resync cannot land inside a payload
    expect(rec.subarray(HEADER_BYTES).includes(0xf7)).toBe(false);
  });

  it('any flipped bit in header or payload is caught (magic/length check or CRC)', () => {
    const rec = frame(7, 1000, [{ kind: 'metric', name: 'm', ts: 1, value: 1 }]);
    for (let bit = 0; bit < rec.length * 8; bit++) {
      const bad = Buffer.from(rec);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const h = parseHeader(bad);
      const ok = h !== undefined && h.length === rec.length - HEADER_BYTES && crcMatches(crc, bad, bad.subarray(HEADER_BYTES), h.length);
      expect(ok, `bit ${bit}`).toBe(false);
    }
  });

  it('the reader finds records by offset and resyncs past a damaged region to the next intact record', () => {
    const a = frame(1, 1, [1]);
    const b = frame(2, 2, [2, 2]);
    const c = frame(3, 3, [3]);
    const file = Buffer.concat([SEGMENT_MAGIC, a, b, c]);
    file[SEGMENT_MAGIC.length + a.length + HEADER_BYTES + 3]! ^= 0xff; // damage b's payload
    const path = join(dir.path, 'r.seg');
    writeFileSync(path, file);
    const fd = openSync(path, 'r');
    const reader = new RecordReader(crc);
    const first = reader.read(fd, SEGMENT_MAGIC.length, file.length)!;
    expect(first.seq).toBe(1);
    expect(reader.payloadText()).toBe(a.subarray(HEADER_BYTES).toString());
    expect(reader.read(fd, first.next, file.length)).toBeUndefined();
    const at = reader.resync(fd, first.next + 1, file.length);
    expect(at).toBe(SEGMENT_MAGIC.length + a.length + b.length);
    expect(reader.read(fd, at, file.length)!.seq).toBe(3);
    expect(reader.resync(fd, at + 1, file.length)).toBe(-1);
    closeSync(fd);
  });
});
