"""Vectorised NumPy baseline for `npm run bench -- sim`: CDProxSGT (paper-spec §3.2) on full-batch a9a.

The same run as proxmesh's simulator (bench/sim.bench.ts): logistic regression with intercept,
r = λ‖x‖₁, label-sorted split, mixing rows W given by the caller (ascending ids, self included),
top-k (global scope, ties to the lower index) on both channels, x⁰ = 0, copies and aggregates 0.
All n nodes are one matrix each (rows = nodes, node-major), one NumPy expression per step:

  G = ∇F(X)                                   (full local batch, mean over the shard)
  Y = G + (Y − G_prev);  G_prev = G
  Q = Top_k(Y − Y̲);  Y̲ += Q;  S^y += Σ_p w_{i,p} Q[j_{i,p}];  Y += γ_y (S^y − Y̲)
  X = prox_{ηλ‖·‖₁}(X − ηY)
  Q = Top_k(X − X̲);  X̲ += Q;  S^x += Σ_p w_{i,p} Q[j_{i,p}];  X += γ_x (S^x − X̲)

Each sum runs in the same order as proxmesh's (row nonzeros in file order; mixing in ascending
neighbour id; the gradient accumulated sample by sample), so the trajectories agree to rounding.

Input: one JSON object on stdin:
  {"train": path of a9a.gz, "features": 123, "lambda": λ, "eta": η, "gammaX": γ_x, "gammaY": γ_y,
   "ratio": 0.1, "iterations": K, "evalAt": [iterations], "rows": [{"ids": [...], "weights": [...]}, ...]}
Output: one JSON object on stdout: setupSec, itersPerSec (evaluation excluded), objective per evalAt.
"""
import gzip
import json
import sys
import time

import numpy as np


def read_libsvm(path, n_features):
    """CSR arrays (indptr, indices, values) and labels in {0, 1} (positive raw label → 1)."""
    indptr = [0]
    indices = []
    values = []
    labels = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            labels.append(1 if float(parts[0]) > 0 else 0)
            for tok in parts[1:]:
                j, v = tok.split(":")
                indices.append(int(j) - 1)
                values.append(float(v))
            indptr.append(len(indices))
    return (np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64),
            np.asarray(values, dtype=np.float64), np.asarray(labels, dtype=np.int64))


def sorted_shards(labels, n):
    """Stable order by label, cut into near-equal consecutive slices (first N mod n one longer), each sorted."""
    order = np.argsort(labels, kind="stable")
    q, extra = divmod(len(labels), n)
    sizes = [q + (1 if i < extra else 0) for i in range(n)]
    out, at = [], 0
    for s in sizes:
        out.append(np.sort(order[at:at + s]))
        at += s
    return out


def main():
    cfg = json.load(sys.stdin)
    t0 = time.perf_counter()
    n = len(cfg["rows"])
    d = cfg["features"]
    D = d + 1  # weights and intercept
    indptr, indices, values, labels = read_libsvm(cfg["train"], d)

    # ELL layout: sample s of the concatenated shards (node-major) has up to P nonzeros; padded
    # slots point at column 0 with value 0 (adding 0·x leaves every sum unchanged).
    shards = sorted_shards(labels, n)
    rows = np.concatenate(shards)
    owner = np.repeat(np.arange(n), [len(s) for s in shards])
    nnz = indptr[rows + 1] - indptr[rows]
    P = int(nnz.max())
    slot = indptr[rows][:, None] + np.arange(P)[None, :]
    valid = np.arange(P)[None, :] < nnz[:, None]
    slot = np.where(valid, slot, 0)
    col = np.where(valid, indices[slot], 0)
    val = np.where(valid, values[slot], 0.0)
    flat = owner[:, None] * D + col  # index into X.ravel()
    sgn = np.where(labels[rows] == 1, 1.0, -1.0)  # y_s ∈ {−1, +1}
    m = np.array([len(s) for s in shards], dtype=np.float64)
    inv_m = 1.0 / m

    # Mixing as a padded neighbour table in ascending id order (weight 0 pads repeat the node itself).
    width = max(len(r["ids"]) for r in cfg["rows"])
    nbr = np.zeros((n, width), dtype=np.int64)
    wts = np.zeros((n, width), dtype=np.float64)
    for i, r in enumerate(cfg["rows"]):
        nbr[i, :] = i
        nbr[i, :len(r["ids"])] = r["ids"]
        wts[i, :len(r["weights"])] = r["weights"]
    mix_cols = [(wts[:, p][:, None], nbr[:, p]) for p in range(width)]

    k = max(1, int(np.floor(D * cfg["ratio"])))
    eta, lam, gx, gy = cfg["eta"], cfg["lambda"], cfg["gammaX"], cfg["gammaY"]
    tau = eta * lam

    prod = np.empty((len(rows), P))  # reused work buffers for the two big per-sample arrays
    contrib = np.empty((len(rows), P))
    flat_all = flat.ravel()

    def gradient(X):
        """∇F_i(x_i) of every node: z = b + Σ x[col]·val (in row order), c = −y σ(−y z)."""
        np.take(X.ravel(), flat, out=prod)
        np.multiply(prod, val, out=prod)
        z = X[owner, d].copy()
        for p in range(P):
            z += prod[:, p]
        t = -sgn * z
        e = np.exp(-np.abs(t))
        sig = np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        c = -sgn * sig
        np.multiply(c[:, None], val, out=contrib)
        G = np.bincount(flat_all, weights=contrib.ravel(), minlength=n * D).reshape(n, D)
        G[:, d] = np.bincount(owner, weights=c, minlength=n)
        return G * inv_m[:, None]

    def topk(V):
        """Top-k of each row by |v|, ties to the lower index (proxmesh's rule): the dense Q(V)."""
        A = np.abs(V)
        kth = np.partition(A, D - k, axis=1)[:, D - k][:, None]
        greater = A > kth
        ties = A == kth
        need = k - greater.sum(axis=1, keepdims=True)
        keep = greater | (ties & (np.cumsum(ties, axis=1) <= need))
        return np.where(keep, V, 0.0)

    def mix_add(S, Q):
        for w, j in mix_cols:
            S = S + w * Q[j]
        return S

    def objective(X):
        """φ(x̄) = (1/n) Σ_i f_i(x̄) + λ‖x̄‖₁, f_i the mean logistic loss over shard i."""
        xbar = X.sum(axis=0) / n
        z = xbar[d] + (xbar[col] * val).sum(axis=1)
        t = -sgn * z
        loss = np.where(t > 0, t + np.log1p(np.exp(-t)), np.log1p(np.exp(np.minimum(t, 0))))
        f = (np.bincount(owner, weights=loss, minlength=n) * inv_m).sum() / n
        return float(f + lam * np.abs(xbar).sum())

    X = np.zeros((n, D))
    Y = np.zeros((n, D))
    Gp = np.zeros((n, D))
    Xr = np.zeros((n, D))
    Yr = np.zeros((n, D))
    Sx = np.zeros((n, D))
    Sy = np.zeros((n, D))
    setup = time.perf_counter() - t0

    K = cfg["iterations"]
    eval_at = set(cfg["evalAt"])
    objectives = []
    if 0 in eval_at:
        objectives.append({"iter": 0, "objective": objective(X)})
    loop = 0.0
    for it in range(1, K + 1):
        t1 = time.perf_counter()
        G = gradient(X)
        Y = G + (Y - Gp)
        Gp = G
        Q = topk(Y - Yr)
        Yr = Yr + Q
        Sy = mix_add(Sy, Q)
        Y = Y + gy * (Sy - Yr)
        V = X - eta * Y
        X = np.where(V > tau, V - tau, np.where(V < -tau, V + tau, 0.0))
        Q = topk(X - Xr)
        Xr = Xr + Q
        Sx = mix_add(Sx, Q)
        X = X + gx * (Sx - Xr)
        loop += time.perf_counter() - t1
        if it in eval_at:
            objectives.append({"iter": it, "objective": objective(X)})
    json.dump({"setupSec": setup, "itersPerSec": K / loop, "iterations": K, "objectives": objectives,
               "numpy": np.__version__}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
