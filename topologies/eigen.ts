/**
 * All eigenvalues of a real symmetric matrix, O(n³): Householder reduction to tridiagonal form
 * followed by the implicit QL iteration with Wilkinson shifts (Golub & Van Loan §8.3; the classic
 * tred2/tqli pair without eigenvectors). Used for ρ = ‖W − J‖₂ and the spectrum of W.
 */

/**
 * Eigenvalues of the symmetric n×n matrix `a` (row-major, length n²), in ascending order.
 * Only the lower triangle is read. `a` is not modified.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`symmetricEigenvalues: expected ${n * n} entries, got ${a.length}`);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(Float64Array.from(a), n, d, e);
  tridiagonalQL(d, e);
  return d.sort();
}

/**
 * Reduces the symmetric A (lower triangle, row-major, overwritten) to T = QᵀAQ tridiagonal:
 * d[i] = T_ii, e[i] = T_{i+1,i} (e[n−1] = 0). Step k applies H = I − τvvᵀ with Hx = αe₁ for the
 * column x = A[k+1.., k], α = −sign(x₀)‖x‖ (no cancellation in v₀ = x₀ − α), then updates the
 * trailing block as A₂₂ ← HA₂₂H = A₂₂ − vwᵀ − wvᵀ with p = τA₂₂v, w = p − (τ vᵀp / 2) v.
 */
function tridiagonalize(A: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const m = n - k - 1; // trailing block = indices k+1 .. n−1
    const off = k + 1;
    let scale = 0;
    for (let t = 0; t < m; t++) scale = Math.max(scale, Math.abs(A[(off + t) * n + k]));
    d[k] = A[k * n + k];
    if (scale === 0) {
      e[k] = 0;
      continue;
    }
    // v = x/scale (scaling avoids overflow/underflow in ‖x‖²; the reflector is scale invariant)
    let ss = 0;
    for (let t = 0; t < m; t++) {
      const xt = A[(off + t) * n + k] / scale;
      v[t] = xt;
      ss += xt * xt;
    }
    const sigma = Math.sqrt(ss);
    const x0 = v[0];
    const alpha = x0 >= 0 ? -sigma : sigma;
    e[k] = alpha * scale;
    v[0] = x0 - alpha;
    const vtv = ss - x0 * x0 + v[0] * v[0];
    const tau = 2 / vtv;
    // p = τ A₂₂ v from the lower triangle, row by row (contiguous reads).
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off;
      const vi = v[i];
      let acc = 0;
      for (let j = 0; j < i; j++) {
        const aij = A[row + j];
        acc += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += acc + A[row + i] * vi;
    }
    let vtp = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= tau;
      vtp += v[i] * p[i];
    }
    const K = (tau * vtp) / 2;
    for (let i = 0; i < m; i++) p[i] -= K * v[i]; // p now holds w
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off;
      const vi = v[i];
      const wi = p[i];
      for (let j = 0; j <= i; j++) A[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + (n - 2)];
    e[n - 2] = A[(n - 1) * n + (n - 2)];
  }
  if (n >= 1) {
    d[n - 1] = A[n * n - 1];
    e[n - 1] = 0;
  }
}

/**
 * Implicit QL on the symmetric tridiagonal (d, e), e[i] = T_{i+1,i}, e[n−1] = 0: d becomes the
 * eigenvalues (unordered). For each l, find the first negligible e[m] (|e_m| ≤ ε(|d_m| + |d_{m+1}|)),
 * and while m ≠ l chase a Wilkinson-shifted bulge up from m to l with Givens rotations.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= eps * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100) throw new Error(`symmetricEigenvalues: QL did not converge for eigenvalue ${l}`);
        // Wilkinson shift: the eigenvalue of the leading 2×2 block of T[l..] nearer d[l].
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            // the rotation is degenerate: deflate and restart this l
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}
