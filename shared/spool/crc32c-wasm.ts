/**
 * CRC-32C in WebAssembly, for the spool's record checksums (record.ts). Why: the agent runs with
 * V8's optimising and baseline compilers off (bin/vigil-agent: --no-opt --no-sparkplug), so
 * record.ts's table-driven loop runs in the interpreter at ≈ 25 MB/s: ≈ 0.6 ms of CPU for every
 * sealed batch of a 50-check round, a third of what sending a batch costs the agent. WebAssembly is
 * still compiled (by Liftoff, --liftoff-only), and the same loop runs there some 50 times faster.
 * Same algorithm on the same tables (slicing by 4, built by record.ts), so both give the same value;
 * record.ts keeps its loop for short inputs and where WebAssembly is not available (--jitless).
 * The module is spelled out below instruction by instruction: no toolchain, no binary blob.
 */

/** The computation the spool needs: CRC of `crc`'s data followed by `buf[start, end)`. */
export interface Crc32cKernel {
  update(crc: number, buf: Uint8Array, start: number, end: number): number;
}

const I32 = 0x7f;
const VOID = 0x40;
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  const: 0x41,
  load: 0x28,
  load8u: 0x2d,
  gtU: 0x4b,
  geU: 0x4f,
  add: 0x6a,
  and: 0x71,
  xor: 0x73,
  shl: 0x74,
  shrU: 0x76,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** The four 256-entry tables at the start of memory (table s at byte s·1024); data to checksum from here. */
const DATA = 4096;
/** Bytes copied in per call: the rest of the one 64 KiB page. */
const CHUNK = 65536 - DATA;

/** `update(crc, ptr, len)`: locals 0–2 are the parameters, 3 the running value, 4 the end. */
function body(): number[] {
  const [CRC, PTR, LEN, C, END] = [0, 1, 2, 3, 4];
  const get = (i: number) => [OP.get, i];
  const set = (i: number) => [OP.set, i];
  const k = (v: number) => [OP.const, ...sleb(v)];
  const load = (offset: number) => [OP.load, 2, ...uleb(offset)];
  /** table s at byte (c >>> shift) & 0xff */
  const lookup = (s: number, shift: number) => [
    ...get(C),
    ...(shift ? [...k(shift), OP.shrU] : []),
    ...(shift < 24 ? [...k(0xff), OP.and] : []),
    ...k(2),
    OP.shl,
    ...load(s * 1024),
  ];
  return [
    ...[...get(CRC), ...k(-1), OP.xor, ...set(C)], // c = ~crc
    ...[...get(PTR), ...get(LEN), OP.add, ...set(END)],
    // four bytes at a time: c ^= the next little-endian word, then one lookup per byte of c
    ...[OP.block, VOID, OP.loop, VOID],
    ...[...get(PTR), ...k(4), OP.add, ...get(END), OP.gtU, OP.brIf, 1],
    ...[...get(C), ...get(PTR), OP.load, 0, 0, OP.xor, ...set(C)],
    ...[...lookup(3, 0), ...lookup(2, 8), OP.xor, ...lookup(1, 16), OP.xor, ...lookup(0, 24), OP.xor, ...set(C)],
    ...[...get(PTR), ...k(4), OP.add, ...set(PTR), OP.br, 0, OP.end, OP.end],
    // the last 0–3 bytes one at a time: c = t0[(c ^ byte) & 0xff] ^ (c >>> 8)
    ...[OP.block, VOID, OP.loop, VOID],
    ...[...get(PTR), ...get(END), OP.geU, OP.brIf, 1],
    ...[...get(C), ...get(PTR), OP.load8u, 0, 0, OP.xor, ...k(0xff), OP.and, ...k(2), OP.shl, ...load(0)],
    ...[...get(C), ...k(8), OP.shrU, OP.xor, ...set(C)],
    ...[...get(PTR), ...k(1), OP.add, ...set(PTR), OP.br, 0, OP.end, OP.end],
    ...[...get(C), ...k(-1), OP.xor, OP.end], // ~c
  ];
}

function moduleBytes(): Uint8Array {
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
  const code = [...vec([[2, I32]]), ...body()];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])]])), // type: (i32, i32, i32) -> i32
    ...section(3, vec([[0]])), // one function of that type
    ...section(5, vec([[0x01, 1, 1]])), // one memory of exactly one page
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('update'), 0x00, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A kernel over `tables` (record.ts's four 256-entry tables), or undefined where WebAssembly cannot run. */
export function wasmCrc32c(tables: Uint32Array): Crc32cKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly; // absent with --jitless
  if (!wasm || tables.length !== 1024) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = new wasm.Instance(new wasm.Module(moduleBytes()), {}).exports;
  } catch {
    return undefined; // a policy that forbids compiling WebAssembly
  }
  const memory = exports.memory as { buffer: ArrayBuffer };
  const fn = exports.update as (crc: number, ptr: number, len: number) => number;
  const view = new DataView(memory.buffer);
  for (let i = 0; i < tables.length; i++) view.setUint32(i * 4, tables[i]!, true); // wasm loads are little-endian
  const bytes = new Uint8Array(memory.buffer);
  return {
    update(crc, buf, start, end) {
      let c = crc;
      for (let at = start; at < end; at += CHUNK) {
        const n = Math.min(CHUNK, end - at);
        bytes.set(buf.subarray(at, at + n), DATA);
        c = fn(c, DATA, n);
      }
      return c >>> 0;
    },
  };
}
