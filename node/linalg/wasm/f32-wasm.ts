/**
 * The WebAssembly SIMD float32 kernels (kernels.wat) behind the F32Kernels interface. One instance
 * owns one linear memory, sized once at creation (`bytes`): every buffer the kernels touch is
 * allocated from it by `f32`/`i32` (a bump allocator), and the memory never grows afterwards, because
 * growing would detach every view handed out. Running out is a PROXMESH_ERR_INTERNAL (a sizing bug).
 *
 * A transposed B is packed into a reserved block (PACK_FLOATS) in column panels, so the SIMD kernel
 * always streams contiguous rows; the order of every element's sum is unchanged by the panelling.
 * The results equal the TypeScript reference bit for bit (see kernels.wat, gemm-f32.ts).
 */
import { ProxmeshError } from '../../errors.ts';
import type { F32Kernels } from '../f32-kernels.ts';
import { scaleC32 } from '../gemm-f32.ts';
import { sparseConvPoolBackwardF32 } from '../sparse-conv-backward-f32.ts';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.generated.ts';

/** Floats reserved for packing a transposed B (1 MiB): k·8 ≤ this for the SIMD path. */
export const PACK_FLOATS = 1 << 18;
const PAGE = 65_536;
/** First allocatable byte: address 0 is kept free so 0 can mean "no buffer" (dIn = null). */
const BASE = 64;

/**
 * The slice of the WebAssembly JS API used here, typed locally: the project compiles without the DOM
 * lib, and @types/node does not declare these constructors.
 */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasmApi = (): WasmApi | undefined => (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  sgemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    sai: number,
    sap: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
  ): void;
  pack_t(src: number, lds: number, nb: number, k: number, dst: number): void;
  maxpool2_relu(x: number, C: number, H: number, W: number, out: number, arg: number): void;
  im2col(x: number, C: number, H: number, W: number, kh: number, kw: number, col: number): void;
  conv_pool_bwd5(
    dPool: number,
    argIdx: number,
    cout: number,
    ppc: number,
    input: number,
    cin: number,
    hin: number,
    w: number,
    gW: number,
    gB: number,
    dIn: number,
    gate: number,
  ): void;
}

/** The assembled module bytes. */
export function kernelsWasmBytes(): Uint8Array {
  return new Uint8Array(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
}

/** True when this runtime accepts the module (WebAssembly with 128-bit SIMD). */
export function wasmSimdAvailable(): boolean {
  const api = wasmApi();
  return api?.validate(kernelsWasmBytes()) === true;
}

export interface WasmF32Options {
  /** Bytes of memory for the caller's buffers (the pack block is added on top). */
  readonly bytes: number;
}

export function createWasmF32Kernels(opts: WasmF32Options): F32Kernels {
  const need = BASE + PACK_FLOATS * 4 + Math.max(0, Math.ceil(opts.bytes));
  const pages = Math.ceil(need / PAGE);
  const api = wasmApi();
  if (api === undefined) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'wasm kernels: this runtime has no WebAssembly');
  const instance = new api.Instance(new api.Module(kernelsWasmBytes()), {});
  const ex = instance.exports as unknown as Exports;
  const have = ex.memory.buffer.byteLength / PAGE;
  if (pages > have) ex.memory.grow(pages - have);
  const buffer = ex.memory.buffer;
  const packPtr = BASE;
  let top = BASE + PACK_FLOATS * 4;

  const alloc = (bytesWanted: number, what: string): number => {
    const at = (top + 15) & ~15; // 16-byte aligned, so vector loads of a buffer's start are aligned
    if (at + bytesWanted > buffer.byteLength) {
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `wasm kernels: ${what} of ${bytesWanted} bytes does not fit the ${buffer.byteLength}-byte memory sized at creation`,
        {
          bytes: bytesWanted,
          capacity: buffer.byteLength,
        },
      );
    }
    top = at + bytesWanted;
    return at;
  };
  const ptr = (v: Float32Array | Int32Array, off: number, name: string): number => {
    if (v.buffer !== buffer) {
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `wasm kernels: ${name} is not a view of this kernel set's memory (allocate it with f32()/i32())`,
        { name },
      );
    }
    return v.byteOffset + 4 * off;
  };

  const kernels: F32Kernels = {
    name: 'wasm',
    f32: (length) => new Float32Array(buffer, alloc(4 * length, 'f32 buffer'), length),
    i32: (length) => new Int32Array(buffer, alloc(4 * length, 'i32 buffer'), length),
    sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) {
      if (m <= 0 || n <= 0) return c;
      if (k <= 0 || Math.fround(alpha) === 0) {
        scaleC32(m, n, beta, c, cOff, ldc);
        return c;
      }
      const ap = ptr(a, aOff, 'A'),
        bp = ptr(b, bOff, 'B'),
        cp = ptr(c, cOff, 'C');
      const sai = 4 * (transA ? 1 : lda),
        sap = 4 * (transA ? lda : 1);
      if (!transB) {
        ex.sgemm(m, n, k, alpha, ap, sai, sap, bp, 4 * ldb, beta, cp, 4 * ldc);
        return c;
      }
      // op(B) = Bᵀ, B stored n×k: pack panels of nb columns of op(B) (nb·k ≤ PACK_FLOATS), nb a multiple of 8.
      let nb = Math.floor(PACK_FLOATS / k / 8) * 8;
      if (nb === 0) nb = Math.min(n, Math.floor(PACK_FLOATS / k));
      if (nb === 0)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `wasm sgemm: k = ${k} exceeds the pack block (${PACK_FLOATS} floats)`, { k });
      for (let j0 = 0; j0 < n; j0 += nb) {
        const w = Math.min(nb, n - j0);
        ex.pack_t(bp + 4 * j0 * ldb, 4 * ldb, w, k, packPtr);
        ex.sgemm(m, w, k, alpha, ap, sai, sap, packPtr, 4 * w, beta, cp + 4 * j0, 4 * ldc);
      }
      return c;
    },
    im2col(x, xOff, C, H, W, kh, kw, col, colOff) {
      if (C <= 0 || H - kh + 1 <= 0 || W - kw + 1 <= 0) return col;
      ex.im2col(ptr(x, xOff, 'x'), C, H, W, kh, kw, ptr(col, colOff, 'col'));
      return col;
    },
    maxPool2Relu(x, xOff, C, H, W, out, outOff, argIdx, idxOff) {
      if (C <= 0 || H < 2 || W < 2) return out;
      ex.maxpool2_relu(ptr(x, xOff, 'x'), C, H, W, ptr(out, outOff, 'out'), ptr(argIdx, idxOff, 'argIdx'));
      return out;
    },
    convPoolBackward5(dPool, dOff, argIdx, idxOff, cout, ppc, input, inOff, cin, hin, x, wOff, bOff, g, dIn, dInOff, gate, gateOff) {
      if (cout <= 0 || cin <= 0 || ppc <= 0 || hin < 5) {
        // Degenerate shapes (never LeNet5's): the reference handles them, with the same results.
        sparseConvPoolBackwardF32(
          dPool,
          dOff,
          argIdx,
          idxOff,
          cout,
          ppc,
          input,
          inOff,
          cin,
          hin,
          x,
          wOff,
          bOff,
          g,
          dIn,
          dInOff,
          gate,
          gateOff,
        );
        return;
      }
      ex.conv_pool_bwd5(
        ptr(dPool, dOff, 'dPool'),
        ptr(argIdx, idxOff, 'argIdx'),
        cout,
        ppc,
        ptr(input, inOff, 'input'),
        cin,
        hin,
        ptr(x, wOff, 'weights'),
        ptr(g, wOff, 'gW'),
        ptr(g, bOff, 'gB'),
        dIn === null ? 0 : ptr(dIn, dInOff, 'dIn'),
        gate === null ? 0 : ptr(gate, gateOff, 'gate'),
      );
    },
  };
  return Object.freeze(kernels);
}
