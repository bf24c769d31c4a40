;; proxmesh float32 kernels, WebAssembly SIMD (128-bit, 4 lanes of f32). Assembled by
;; node/linalg/wasm/build-wasm.ts into kernels-wasm.generated.ts; the TypeScript wrappers live in
;; f32-wasm.ts. Every pointer and stride is in BYTES into the module's own memory.
;;
;; Determinism: only f32.add / f32.mul (and their f32x4 forms) are used, never a fused multiply-add
;; (base WebAssembly SIMD has none; relaxed-simd's madd is allowed to fuse or not, so it is avoided).
;; Every output element is accumulated from 0 in ascending p, one rounding per multiply and per add:
;;   s ← fl(s + fl(a·b)),  c ← fl(fl(α·s) + fl(β·c))   (β = 0: c ← fl(α·s), c is not read)
;; which is exactly what the TypeScript reference (f32-ref.ts) computes with Math.fround, so both give
;; the same bits. Vectorisation runs over the columns j of C (4 independent lanes), never over p.
(module
  (memory (export "memory") 1)

  ;; c[0..3] ← α·s (+ β·c[0..3])
  (func $put4 (param $c i32) (param $s v128) (param $al v128) (param $be v128) (param $bz i32)
    (if (local.get $bz)
      (then (v128.store (local.get $c) (f32x4.mul (local.get $al) (local.get $s))))
      (else (v128.store (local.get $c)
        (f32x4.add (f32x4.mul (local.get $al) (local.get $s)) (f32x4.mul (local.get $be) (v128.load (local.get $c))))))))

  (func $put1 (param $c i32) (param $s f32) (param $al f32) (param $be f32) (param $bz i32)
    (if (local.get $bz)
      (then (f32.store (local.get $c) (f32.mul (local.get $al) (local.get $s))))
      (else (f32.store (local.get $c)
        (f32.add (f32.mul (local.get $al) (local.get $s)) (f32.mul (local.get $be) (f32.load (local.get $c))))))))

  ;; 4 rows × 8 columns of C: 8 accumulators, per p 2 vector loads of B and 4 splat loads of A.
  (func $t4x8 (param $k i32) (param $a i32) (param $sai i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $ldc i32) (param $al v128) (param $be v128) (param $bz i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $sai)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $sai)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $sai)))
    (loop $L
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a1)))
      (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a2)))
      (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a3)))
      (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $sap)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    ;; stores inlined (one β test per tile instead of one call per vector)
    (if (local.get $bz)
      (then
        (v128.store (local.get $c) (f32x4.mul (local.get $al) (local.get $s00)))
        (v128.store offset=16 (local.get $c) (f32x4.mul (local.get $al) (local.get $s01)))
        (v128.store (local.get $c1) (f32x4.mul (local.get $al) (local.get $s10)))
        (v128.store offset=16 (local.get $c1) (f32x4.mul (local.get $al) (local.get $s11)))
        (v128.store (local.get $c2) (f32x4.mul (local.get $al) (local.get $s20)))
        (v128.store offset=16 (local.get $c2) (f32x4.mul (local.get $al) (local.get $s21)))
        (v128.store (local.get $c3) (f32x4.mul (local.get $al) (local.get $s30)))
        (v128.store offset=16 (local.get $c3) (f32x4.mul (local.get $al) (local.get $s31))))
      (else
        (v128.store (local.get $c) (f32x4.add (f32x4.mul (local.get $al) (local.get $s00)) (f32x4.mul (local.get $be) (v128.load (local.get $c)))))
        (v128.store offset=16 (local.get $c) (f32x4.add (f32x4.mul (local.get $al) (local.get $s01)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c)))))
        (v128.store (local.get $c1) (f32x4.add (f32x4.mul (local.get $al) (local.get $s10)) (f32x4.mul (local.get $be) (v128.load (local.get $c1)))))
        (v128.store offset=16 (local.get $c1) (f32x4.add (f32x4.mul (local.get $al) (local.get $s11)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c1)))))
        (v128.store (local.get $c2) (f32x4.add (f32x4.mul (local.get $al) (local.get $s20)) (f32x4.mul (local.get $be) (v128.load (local.get $c2)))))
        (v128.store offset=16 (local.get $c2) (f32x4.add (f32x4.mul (local.get $al) (local.get $s21)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c2)))))
        (v128.store (local.get $c3) (f32x4.add (f32x4.mul (local.get $al) (local.get $s30)) (f32x4.mul (local.get $be) (v128.load (local.get $c3)))))
        (v128.store offset=16 (local.get $c3) (f32x4.add (f32x4.mul (local.get $al) (local.get $s31)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c3))))))))

  ;; 4 rows × 4 columns.
  (func $t4x4 (param $k i32) (param $a i32) (param $sai i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $ldc i32) (param $al v128) (param $be v128) (param $bz i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $b0 v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $sai)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $sai)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $sai)))
    (loop $L
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load32_splat (local.get $a)) (local.get $b0))))
      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load32_splat (local.get $a1)) (local.get $b0))))
      (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load32_splat (local.get $a2)) (local.get $b0))))
      (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load32_splat (local.get $a3)) (local.get $b0))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $sap)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (call $put4 (local.get $c) (local.get $s0) (local.get $al) (local.get $be) (local.get $bz))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (call $put4 (local.get $c) (local.get $s1) (local.get $al) (local.get $be) (local.get $bz))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (call $put4 (local.get $c) (local.get $s2) (local.get $al) (local.get $be) (local.get $bz))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (call $put4 (local.get $c) (local.get $s3) (local.get $al) (local.get $be) (local.get $bz)))

  ;; 2 rows × 8 columns (the 2-row remainder, e.g. conv1's 6 = 4 + 2 output channels).
  (func $t2x8 (param $k i32) (param $a i32) (param $sai i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $ldc i32) (param $al v128) (param $be v128) (param $bz i32)
    (local $a1 i32) (local $c1 i32) (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $sai)))
    (loop $L
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a1)))
      (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    ;; stores inlined (one β test per tile instead of one call per vector)
    (if (local.get $bz)
      (then
        (v128.store (local.get $c) (f32x4.mul (local.get $al) (local.get $s00)))
        (v128.store offset=16 (local.get $c) (f32x4.mul (local.get $al) (local.get $s01)))
        (v128.store (local.get $c1) (f32x4.mul (local.get $al) (local.get $s10)))
        (v128.store offset=16 (local.get $c1) (f32x4.mul (local.get $al) (local.get $s11))))
      (else
        (v128.store (local.get $c) (f32x4.add (f32x4.mul (local.get $al) (local.get $s00)) (f32x4.mul (local.get $be) (v128.load (local.get $c)))))
        (v128.store offset=16 (local.get $c) (f32x4.add (f32x4.mul (local.get $al) (local.get $s01)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c)))))
        (v128.store (local.get $c1) (f32x4.add (f32x4.mul (local.get $al) (local.get $s10)) (f32x4.mul (local.get $be) (v128.load (local.get $c1)))))
        (v128.store offset=16 (local.get $c1) (f32x4.add (f32x4.mul (local.get $al) (local.get $s11)) (f32x4.mul (local.get $be) (v128.load offset=16 (local.get $c1))))))))

  ;; 1 row × 8 columns.
  (func $t1x8 (param $k i32) (param $a i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $al v128) (param $be v128) (param $bz i32)
    (local $s0 v128) (local $s1 v128) (local $x v128)
    (loop $L
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (call $put4 (local.get $c) (local.get $s0) (local.get $al) (local.get $be) (local.get $bz))
    (call $put4 (i32.add (local.get $c) (i32.const 16)) (local.get $s1) (local.get $al) (local.get $be) (local.get $bz)))

  ;; 1 row × 4 columns.
  (func $t1x4 (param $k i32) (param $a i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $al v128) (param $be v128) (param $bz i32)
    (local $s0 v128)
    (loop $L
      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load32_splat (local.get $a)) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (call $put4 (local.get $c) (local.get $s0) (local.get $al) (local.get $be) (local.get $bz)))

  ;; 1 row × 1 column (scalar; the n mod 4 remainder).
  (func $t1x1 (param $k i32) (param $a i32) (param $sap i32) (param $b i32) (param $ldb i32)
              (param $c i32) (param $al f32) (param $be f32) (param $bz i32)
    (local $s f32)
    (loop $L
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $sap)))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (br_if $L (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (call $put1 (local.get $c) (local.get $s) (local.get $al) (local.get $be) (local.get $bz)))

  ;; Columns j0..n−1 of one row of C: a 1×4 tile if 4 fit, then scalars.
  (func $rowtail (param $j i32) (param $n i32) (param $k i32) (param $ai i32) (param $sap i32) (param $b i32) (param $ldb i32)
                 (param $ci i32) (param $alpha f32) (param $beta f32) (param $al v128) (param $be v128) (param $bz i32)
    (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $n))
      (then
        (call $t1x4 (local.get $k) (local.get $ai) (local.get $sap)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
          (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $al) (local.get $be) (local.get $bz))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
        (call $t1x1 (local.get $k) (local.get $ai) (local.get $sap)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
          (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $alpha) (local.get $beta) (local.get $bz))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l))))

  ;; C ← α·A·B + β·C with m, n, k ≥ 1. A(i, p) at a + i·sai + p·sap (covers A and Aᵀ); B(p, j) at
  ;; b + p·ldb + 4j (row-contiguous; a transposed B is packed first by the caller); C(i, j) at c + i·ldc + 4j.
  (func (export "sgemm") (param $m i32) (param $n i32) (param $k i32) (param $alpha f32)
        (param $a i32) (param $sai i32) (param $sap i32) (param $b i32) (param $ldb i32)
        (param $beta f32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $r i32) (local $al v128) (local $be v128) (local $bz i32)
    (local $ai i32) (local $ci i32)
    (local.set $al (f32x4.splat (local.get $alpha)))
    (local.set $be (f32x4.splat (local.get $beta)))
    (local.set $bz (f32.eq (local.get $beta) (f32.const 0)))
    (block $rows4done
      (loop $rows4
        (br_if $rows4done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $ci (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $c8done
          (loop $c8
            (br_if $c8done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
            (call $t4x8 (local.get $k) (local.get $ai) (local.get $sai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc)
              (local.get $al) (local.get $be) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $c8)))
        (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $n))
          (then
            (call $t4x4 (local.get $k) (local.get $ai) (local.get $sai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc)
              (local.get $al) (local.get $be) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (block $c1done
          (loop $c1
            (br_if $c1done (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $r (i32.const 0))
            (loop $rr
              (call $t1x1 (local.get $k)
                (i32.add (local.get $ai) (i32.mul (local.get $r) (local.get $sai))) (local.get $sap)
                (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
                (i32.add (i32.add (local.get $ci) (i32.mul (local.get $r) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $alpha) (local.get $beta) (local.get $bz))
              (br_if $rr (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $c1)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    ;; a 2-row band: 2×8 tiles, then its 4- and 1-column remainders row by row
    (if (i32.le_s (i32.add (local.get $i) (i32.const 2)) (local.get $m))
      (then
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $ci (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $e8done
          (loop $e8
            (br_if $e8done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
            (call $t2x8 (local.get $k) (local.get $ai) (local.get $sai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc)
              (local.get $al) (local.get $be) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $e8)))
        (local.set $r (i32.const 0))
        (loop $er
          (call $rowtail (local.get $j) (local.get $n) (local.get $k)
            (i32.add (local.get $ai) (i32.mul (local.get $r) (local.get $sai))) (local.get $sap) (local.get $b) (local.get $ldb)
            (i32.add (local.get $ci) (i32.mul (local.get $r) (local.get $ldc)))
            (local.get $alpha) (local.get $beta) (local.get $al) (local.get $be) (local.get $bz))
          (br_if $er (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))))
    (block $rows1done
      (loop $rows1
        (br_if $rows1done (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $ci (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $d8done
          (loop $d8
            (br_if $d8done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
            (call $t1x8 (local.get $k) (local.get $ai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2)))
              (local.get $al) (local.get $be) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $d8)))
        (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $n))
          (then
            (call $t1x4 (local.get $k) (local.get $ai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2)))
              (local.get $al) (local.get $be) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (block $d1done
          (loop $d1
            (br_if $d1done (i32.ge_s (local.get $j) (local.get $n)))
            (call $t1x1 (local.get $k) (local.get $ai) (local.get $sap)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const 2)))
              (local.get $alpha) (local.get $beta) (local.get $bz))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $d1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows1))))

  ;; dst (k × nb, row-contiguous) ← the nb × k block at src with row stride lds: dst[p, j] = src[j, p].
  ;; Packs a transposed B so sgemm can stream its rows.
  (func (export "pack_t") (param $src i32) (param $lds i32) (param $nb i32) (param $k i32) (param $dst i32)
    (local $j i32) (local $p i32) (local $s i32) (local $d i32) (local $rowb i32)
    (local.set $rowb (i32.shl (local.get $nb) (i32.const 2)))
    (loop $J
      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $lds))))
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $p (local.get $k))
      (loop $P
        (f32.store (local.get $d) (f32.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (local.get $rowb)))
        (br_if $P (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))
      (br_if $J (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nb)))))

  ;; 2×2/stride-2 max-pooling fused with ReLU (conv.ts maxPool2 + ReLU on the pooled map): out[c, y, x] =
  ;; max of the window (first maximum in row-major order; the argmax, relative to x, goes to argIdx as
  ;; i32), then out ← out > 0 ? out : 0. Only compares and selects, so exact.
  (func (export "maxpool2_relu") (param $x i32) (param $C i32) (param $H i32) (param $W i32) (param $out i32) (param $arg i32)
    (local $Ho i32) (local $Wo i32) (local $c i32) (local $oy i32) (local $ox i32)
    (local $r0 i32) (local $r1 i32) (local $p i32) (local $best i32) (local $v f32) (local $vb i32) (local $ub i32) (local $gt i32)
    (local $q i32) (local $Wb i32) (local $lo v128) (local $hi v128) (local $ve v128) (local $vo v128) (local $vm v128) (local $im v128) (local $ie v128) (local $m v128)
    (local.set $Ho (i32.shr_s (local.get $H) (i32.const 1)))
    (local.set $Wo (i32.shr_s (local.get $W) (i32.const 1)))
    (local.set $Wb (i32.shl (local.get $W) (i32.const 2)))
    (if (i32.or (i32.le_s (local.get $Ho) (i32.const 0)) (i32.le_s (local.get $Wo) (i32.const 0))) (then (return)))
    (block $Cd (loop $Cl
      (br_if $Cd (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $oy (i32.const 0))
      (loop $Yl
        ;; element index of the window row 2·oy in channel c
        (local.set $r0 (i32.mul (i32.add (i32.mul (local.get $c) (local.get $H)) (i32.shl (local.get $oy) (i32.const 1))) (local.get $W)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $W)))
        (local.set $ox (i32.const 0))
        ;; 4 outputs at once: the 8 inputs of each window row are split into even and odd lanes, and
        ;; the same three comparisons run lane-wise (f32x4.gt + bitselect), so the result is the
        ;; scalar loop's, lane for lane.
        (block $V4d (loop $V4l
          (br_if $V4d (i32.gt_s (i32.add (local.get $ox) (i32.const 4)) (local.get $Wo)))
          (local.set $p (i32.add (local.get $r0) (i32.shl (local.get $ox) (i32.const 1))))
          (local.set $q (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
          (local.set $lo (v128.load (local.get $q)))
          (local.set $hi (v128.load offset=16 (local.get $q)))
          (local.set $ve (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $lo) (local.get $hi)))
          (local.set $vo (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $lo) (local.get $hi)))
          (local.set $q (i32.add (local.get $q) (local.get $Wb)))
          (local.set $lo (v128.load (local.get $q)))
          (local.set $hi (v128.load offset=16 (local.get $q)))
          ;; indices: even lanes p + 2·lane; odd +1; second row +W
          (local.set $ie (i32x4.add (i32x4.splat (local.get $p)) (v128.const i32x4 0 2 4 6)))
          (local.set $vm (local.get $ve))
          (local.set $im (local.get $ie))
          (local.set $m (f32x4.gt (local.get $vo) (local.get $vm)))
          (local.set $vm (v128.bitselect (local.get $vo) (local.get $vm) (local.get $m)))
          (local.set $im (v128.bitselect (i32x4.add (local.get $ie) (v128.const i32x4 1 1 1 1)) (local.get $im) (local.get $m)))
          (local.set $ve (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $lo) (local.get $hi)))
          (local.set $vo (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $lo) (local.get $hi)))
          (local.set $ie (i32x4.add (local.get $ie) (i32x4.splat (local.get $W))))
          (local.set $m (f32x4.gt (local.get $ve) (local.get $vm)))
          (local.set $vm (v128.bitselect (local.get $ve) (local.get $vm) (local.get $m)))
          (local.set $im (v128.bitselect (local.get $ie) (local.get $im) (local.get $m)))
          (local.set $m (f32x4.gt (local.get $vo) (local.get $vm)))
          (local.set $vm (v128.bitselect (local.get $vo) (local.get $vm) (local.get $m)))
          (local.set $im (v128.bitselect (i32x4.add (local.get $ie) (v128.const i32x4 1 1 1 1)) (local.get $im) (local.get $m)))
          ;; ReLU: keep lanes > 0, zero the rest (NaN and −0 become +0, as the scalar select)
          (v128.store (local.get $out) (v128.and (local.get $vm) (f32x4.gt (local.get $vm) (v128.const f32x4 0 0 0 0))))
          (v128.store (local.get $arg) (local.get $im))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (local.set $arg (i32.add (local.get $arg) (i32.const 16)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
          (br $V4l)))
        (if (i32.lt_s (local.get $ox) (local.get $Wo)) (then
        (loop $Xl
          ;; Branch-free: the comparisons are unpredictable on real data, so the running maximum is kept as
          ;; its i32 bit pattern ($vb) and both it and the argmax are chosen with i32 selects (cmov).
          (local.set $p (i32.add (local.get $r0) (i32.shl (local.get $ox) (i32.const 1))))
          (local.set $best (local.get $p))
          (local.set $vb (i32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $ub (i32.load offset=4 (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $gt (f32.gt (f32.reinterpret_i32 (local.get $ub)) (f32.reinterpret_i32 (local.get $vb))))
          (local.set $best (select (i32.add (local.get $p) (i32.const 1)) (local.get $best) (local.get $gt)))
          (local.set $vb (select (local.get $ub) (local.get $vb) (local.get $gt)))
          (local.set $p (i32.add (local.get $r1) (i32.shl (local.get $ox) (i32.const 1))))
          (local.set $ub (i32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $gt (f32.gt (f32.reinterpret_i32 (local.get $ub)) (f32.reinterpret_i32 (local.get $vb))))
          (local.set $best (select (local.get $p) (local.get $best) (local.get $gt)))
          (local.set $vb (select (local.get $ub) (local.get $vb) (local.get $gt)))
          (local.set $ub (i32.load offset=4 (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $gt (f32.gt (f32.reinterpret_i32 (local.get $ub)) (f32.reinterpret_i32 (local.get $vb))))
          (local.set $best (select (i32.add (local.get $p) (i32.const 1)) (local.get $best) (local.get $gt)))
          (local.set $vb (select (local.get $ub) (local.get $vb) (local.get $gt)))
          (local.set $v (f32.reinterpret_i32 (local.get $vb)))
          (f32.store (local.get $out) (select (local.get $v) (f32.const 0) (f32.gt (local.get $v) (f32.const 0))))
          (i32.store (local.get $arg) (local.get $best))
          (local.set $out (i32.add (local.get $out) (i32.const 4)))
          (local.set $arg (i32.add (local.get $arg) (i32.const 4)))
          (br_if $Xl (i32.lt_s (local.tee $ox (i32.add (local.get $ox) (i32.const 1))) (local.get $Wo))))))
        (br_if $Yl (i32.lt_s (local.tee $oy (i32.add (local.get $oy) (i32.const 1))) (local.get $Ho))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $Cl))))

  ;; im2col, one sample, CHW, valid padding, stride 1 (see conv.ts for the index map):
  ;; col[(c·kh + ky)·kw + kx, oy·Wo + ox] = x[c, oy+ky, ox+kx]. Pure copies, so bit-exact.
  (func (export "im2col") (param $x i32) (param $C i32) (param $H i32) (param $W i32) (param $kh i32) (param $kw i32) (param $col i32)
    (local $Ho i32) (local $Wo i32) (local $c i32) (local $ky i32) (local $kx i32) (local $oy i32) (local $ox i32)
    (local $plane i32) (local $src i32)
    (local.set $Ho (i32.add (i32.sub (local.get $H) (local.get $kh)) (i32.const 1)))
    (local.set $Wo (i32.add (i32.sub (local.get $W) (local.get $kw)) (i32.const 1)))
    (if (i32.or (i32.le_s (local.get $Ho) (i32.const 0)) (i32.le_s (local.get $Wo) (i32.const 0))) (then (return)))
    (block $Cd (loop $Cl
      (br_if $Cd (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (local.get $c) (local.get $H)) (local.get $W)) (i32.const 2))))
      (local.set $ky (i32.const 0))
      (block $KYd (loop $KYl
        (br_if $KYd (i32.ge_s (local.get $ky) (local.get $kh)))
        (local.set $kx (i32.const 0))
        (block $KXd (loop $KXl
          (br_if $KXd (i32.ge_s (local.get $kx) (local.get $kw)))
          (local.set $oy (i32.const 0))
          (loop $OYl
            (local.set $src (i32.add (local.get $plane)
              (i32.shl (i32.add (i32.mul (i32.add (local.get $oy) (local.get $ky)) (local.get $W)) (local.get $kx)) (i32.const 2))))
            (local.set $ox (i32.const 0))
            (block $V4d (loop $V4l
              (br_if $V4d (i32.gt_s (i32.add (local.get $ox) (i32.const 4)) (local.get $Wo)))
              (v128.store (i32.add (local.get $col) (i32.shl (local.get $ox) (i32.const 2)))
                (v128.load (i32.add (local.get $src) (i32.shl (local.get $ox) (i32.const 2)))))
              (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
              (br $V4l)))
            (block $S1d (loop $S1l
              (br_if $S1d (i32.ge_s (local.get $ox) (local.get $Wo)))
              (f32.store (i32.add (local.get $col) (i32.shl (local.get $ox) (i32.const 2)))
                (f32.load (i32.add (local.get $src) (i32.shl (local.get $ox) (i32.const 2)))))
              (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
              (br $S1l)))
            (local.set $col (i32.add (local.get $col) (i32.shl (local.get $Wo) (i32.const 2))))
            (br_if $OYl (i32.lt_s (local.tee $oy (i32.add (local.get $oy) (i32.const 1))) (local.get $Ho))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $KXl)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $KYl)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $Cl))))

  ;; Conv backward through 2×2 max-pooling for 5×5 kernels, one sample (the f32 twin of
  ;; node/problem/models/lenet5/sparse-conv-backward.ts, same loops and order). For every pooled output
  ;; with gradient d ≠ 0 at argmax (oy, ox) of channel co:
  ;;   gW[co, ci, ky, kx] += d·in[ci, oy+ky, ox+kx],  gB[co] += d,  dIn[ci, oy+ky, ox+kx] += d·W[co, ci, ky, kx]
  ;; (dIn = 0: no input gradient; otherwise it is zeroed here first). argIdx holds i32 positions into
  ;; the cout × ho × ho conv output. A 5-wide kernel row is one 4-lane vector plus one scalar.
  (func (export "conv_pool_bwd5")
        (param $dPool i32) (param $argIdx i32) (param $cout i32) (param $ppc i32)
        (param $input i32) (param $cin i32) (param $hin i32)
        (param $w i32) (param $gW i32) (param $gB i32) (param $dIn i32)
    (local $ho i32) (local $plane i32) (local $inPlaneB i32) (local $hinB i32)
    (local $co i32) (local $o i32) (local $ci i32) (local $ky i32)
    (local $d f32) (local $dv v128) (local $db f32) (local $local i32) (local $oy i32) (local $ox i32)
    (local $wCo i32) (local $gCo i32) (local $pw i32) (local $pg i32) (local $pi i32) (local $at i32)
    (local.set $ho (i32.sub (local.get $hin) (i32.const 4)))
    (local.set $plane (i32.mul (local.get $ho) (local.get $ho)))
    (local.set $hinB (i32.shl (local.get $hin) (i32.const 2)))
    (local.set $inPlaneB (i32.mul (local.get $hinB) (local.get $hin)))
    (if (local.get $dIn) (then (memory.fill (local.get $dIn) (i32.const 0) (i32.mul (local.get $cin) (local.get $inPlaneB)))))
    (block $COd (loop $COl
      (br_if $COd (i32.ge_s (local.get $co) (local.get $cout)))
      (local.set $db (f32.const 0))
      ;; weights of output channel co: cin·25 floats = cin·100 bytes
      (local.set $wCo (i32.add (local.get $w) (i32.mul (local.get $co) (i32.mul (local.get $cin) (i32.const 100)))))
      (local.set $gCo (i32.add (local.get $gW) (i32.mul (local.get $co) (i32.mul (local.get $cin) (i32.const 100)))))
      (local.set $o (i32.const 0))
      (block $Od (loop $Ol
        (br_if $Od (i32.ge_s (local.get $o) (local.get $ppc)))
        (local.set $at (i32.shl (i32.add (i32.mul (local.get $co) (local.get $ppc)) (local.get $o)) (i32.const 2)))
        (local.set $d (f32.load (i32.add (local.get $dPool) (local.get $at))))
        (if (f32.ne (local.get $d) (f32.const 0)) (then
          (local.set $db (f32.add (local.get $db) (local.get $d)))
          (local.set $dv (f32x4.splat (local.get $d)))
          (local.set $local (i32.sub (i32.load (i32.add (local.get $argIdx) (local.get $at))) (i32.mul (local.get $co) (local.get $plane))))
          (local.set $oy (i32.div_u (local.get $local) (local.get $ho)))
          (local.set $ox (i32.sub (local.get $local) (i32.mul (local.get $oy) (local.get $ho))))
          ;; weight gradient
          (local.set $ci (i32.const 0))
          (loop $CIl
            (local.set $pg (i32.add (local.get $gCo) (i32.mul (local.get $ci) (i32.const 100))))
            (local.set $pi (i32.add (i32.add (local.get $input) (i32.mul (local.get $ci) (local.get $inPlaneB)))
              (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $hin)) (local.get $ox)) (i32.const 2))))
            (local.set $ky (i32.const 5))
            (loop $KYl
              (v128.store (local.get $pg) (f32x4.add (v128.load (local.get $pg)) (f32x4.mul (local.get $dv) (v128.load (local.get $pi)))))
              (f32.store offset=16 (local.get $pg) (f32.add (f32.load offset=16 (local.get $pg)) (f32.mul (local.get $d) (f32.load offset=16 (local.get $pi)))))
              (local.set $pg (i32.add (local.get $pg) (i32.const 20)))
              (local.set $pi (i32.add (local.get $pi) (local.get $hinB)))
              (br_if $KYl (local.tee $ky (i32.sub (local.get $ky) (i32.const 1)))))
            (br_if $CIl (i32.lt_s (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cin))))
          ;; input gradient
          (if (local.get $dIn) (then
            (local.set $ci (i32.const 0))
            (loop $CJl
              (local.set $pw (i32.add (local.get $wCo) (i32.mul (local.get $ci) (i32.const 100))))
              (local.set $pi (i32.add (i32.add (local.get $dIn) (i32.mul (local.get $ci) (local.get $inPlaneB)))
                (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $hin)) (local.get $ox)) (i32.const 2))))
              (local.set $ky (i32.const 5))
              (loop $KZl
                (v128.store (local.get $pi) (f32x4.add (v128.load (local.get $pi)) (f32x4.mul (local.get $dv) (v128.load (local.get $pw)))))
                (f32.store offset=16 (local.get $pi) (f32.add (f32.load offset=16 (local.get $pi)) (f32.mul (local.get $d) (f32.load offset=16 (local.get $pw)))))
                (local.set $pw (i32.add (local.get $pw) (i32.const 20)))
                (local.set $pi (i32.add (local.get $pi) (local.get $hinB)))
                (br_if $KZl (local.tee $ky (i32.sub (local.get $ky) (i32.const 1)))))
              (br_if $CJl (i32.lt_s (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cin))))))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $Ol)))
      (f32.store (i32.add (local.get $gB) (i32.shl (local.get $co) (i32.const 2)))
        (f32.add (f32.load (i32.add (local.get $gB) (i32.shl (local.get $co) (i32.const 2)))) (local.get $db)))
      (local.set $co (i32.add (local.get $co) (i32.const 1)))
      (br $COl))))
)
