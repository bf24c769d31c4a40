/**
 * JSON that round-trips every float64 exactly, for state kept as bytes in a checkpoint (metric rows).
 * Plain JSON writes NaN and ±Infinity as null and −0 as 0; here they become {"$f": "NaN"},
 * {"$f": "Infinity"}, {"$f": "-Infinity"} and {"$f": "-0"}. Finite numbers already round-trip
 * exactly (JSON.stringify writes the shortest decimal that parses back to the same double).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeExactJson(value: unknown): Uint8Array {
  return encoder.encode(
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v !== 'number') return v;
      if (Number.isNaN(v) || !Number.isFinite(v)) return { $f: String(v) };
      return Object.is(v, -0) ? { $f: '-0' } : v;
    }),
  );
}

export function decodeExactJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes), (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$f') return Number((v as { $f: string }).$f);
    }
    return v;
  });
}
