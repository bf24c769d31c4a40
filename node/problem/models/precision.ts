/**
 * Arithmetic precision of a model (config key `precision`; docs/architecture.md "Precision").
 * 'f64': everything in float64 (the default; the convex examples' results are defined in it).
 * 'f32': the model's forward, backward and evaluation run in float32. The model reads the parameter
 * vector rounded to f32 and returns gradients whose entries are f32 values; the algorithm state, the
 * mixing, the prox and the wire stay as they are (float64 vectors, or the compressor's precision).
 */
export const PRECISIONS = ['f64', 'f32'] as const;
export type Precision = (typeof PRECISIONS)[number];
