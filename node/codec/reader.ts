/**
 * Bounds-checked little-endian reader over a byte view. Every read checks the remaining length
 * first, so malformed input yields a ProxmeshError (PROXMESH_ERR_FRAME_TRUNCATED when the bytes end
 * early, PROXMESH_ERR_FRAME_MALFORMED for bad values) and never a RangeError from DataView.
 */
import { ProxmeshError } from '../errors.ts';
import { fromHalfBits } from './float16.ts';

export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** What is being read, for messages ("payload", "frame"). */
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  truncated(need: number, field: string): ProxmeshError {
    return new ProxmeshError(
      'PROXMESH_ERR_FRAME_TRUNCATED',
      `${this.what} truncated: ${field} needs ${need} byte(s) at offset ${this.pos}, ${this.remaining} left`,
      { field, offset: this.pos, need, remaining: this.remaining },
    );
  }

  malformed(field: string, why: string): ProxmeshError {
    return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `${this.what} malformed: ${field} ${why} (offset ${this.pos})`, {
      field,
      offset: this.pos,
    });
  }

  /** Throws TRUNCATED unless n more bytes are available. */
  need(n: number, field: string): void {
    if (n > this.remaining) throw this.truncated(n, field);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++];
  }

  /** Canonical unsigned LEB128 in [0, 2^32). */
  varint(field: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.bytes.length) throw this.truncated(1, field);
      const b = this.bytes[this.pos++];
      if (i === 4 && b > 0x0f) throw this.malformed(field, 'varint exceeds 2^32 − 1');
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw this.malformed(field, 'varint is not minimally encoded');
        return value;
      }
      scale *= 128;
    }
    throw this.malformed(field, 'varint longer than 5 bytes');
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  f32(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f16(): number {
    const v = fromHalfBits(this.bytes[this.pos] | (this.bytes[this.pos + 1] << 8));
    this.pos += 2;
    return v;
  }
}
