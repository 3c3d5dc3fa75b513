;; The fast AR step's WebAssembly SIMD kernels (fast/decoder.ts calls them; fast/kernels.ts instantiates them).
;; Assembled by `npm run build:kernels` (scripts/build-kernels.mjs, with the wabt package) into kernels-binary.ts;
;; test/fast.test.ts re-assembles this file and holds the committed bytes to it, byte for byte.
;;
;; Every pointer and stride is in bytes, every count in floats. The products keep their running sums in v128
;; registers and read each weight once, in the order it lies in memory: one token's step is then bound by streaming
;; the weights, not by dispatch (test/fast.test.ts holds the kernels to plain loops and the step to tfjs).
(module
  ;; the caller grows it and lays the weights, caches and scratch rows out in it (fast/decoder.ts FastWeights)
  (memory (export "mem") 1)

  ;; vecmat: y[j] = b[j] + Σ_i x[i]·W[i, j] for x [nIn], W [nIn, nOut] with rows `stride` bytes apart.
  ;; The shape of every weight product of one token (x·W, W stored [in, out]), and of the attention's p·V.
  ;; Needs nOut % 4 = 0 (whole v128 columns) and nIn ≥ 1 (the row loop runs at least once).
  ;; Columns go in tiles of 32 (8 accumulators: enough independent adds to hide the add latency), then in tiles
  ;; of 4 for the rest; within a tile the rows are walked top to bottom, so W is read row by row, once.
  (func $vecmat (export "vecmat")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $nIn i32) (param $nOut i32) (param $stride i32)
    (local $j i32)    ;; byte offset of the tile's first column (starts at 0)
    (local $xp i32)   ;; → x[i]
    (local $wp i32)   ;; → W[i, j]
    (local $xend i32) ;; → x[nIn]
    (local $jend i32) ;; byte offset where the 32-wide tiles end
    (local $xs v128)  ;; x[i] in all four lanes
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $xend (i32.add (local.get $x) (i32.mul (local.get $nIn) (i32.const 4))))
    ;; whole tiles of 32 columns = 128 bytes
    (local.set $jend (i32.and (i32.mul (local.get $nOut) (i32.const 4)) (i32.const -128)))

    (block $wide_done
      (loop $wide_tile
        (br_if $wide_done (i32.ge_u (local.get $j) (local.get $jend)))
        ;; the sums start from the bias
        (local.set $a0 (v128.load offset=0 (i32.add (local.get $b) (local.get $j))))
        (local.set $a1 (v128.load offset=16 (i32.add (local.get $b) (local.get $j))))
        (local.set $a2 (v128.load offset=32 (i32.add (local.get $b) (local.get $j))))
        (local.set $a3 (v128.load offset=48 (i32.add (local.get $b) (local.get $j))))
        (local.set $a4 (v128.load offset=64 (i32.add (local.get $b) (local.get $j))))
        (local.set $a5 (v128.load offset=80 (i32.add (local.get $b) (local.get $j))))
        (local.set $a6 (v128.load offset=96 (i32.add (local.get $b) (local.get $j))))
        (local.set $a7 (v128.load offset=112 (i32.add (local.get $b) (local.get $j))))
        (local.set $xp (local.get $x))
        (local.set $wp (i32.add (local.get $w) (local.get $j)))
        (loop $row
          (local.set $xs (f32x4.splat (f32.load (local.get $xp))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xs) (v128.load offset=0 (local.get $wp)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $xs) (v128.load offset=16 (local.get $wp)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $xs) (v128.load offset=32 (local.get $wp)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $xs) (v128.load offset=48 (local.get $wp)))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $xs) (v128.load offset=64 (local.get $wp)))))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $xs) (v128.load offset=80 (local.get $wp)))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $xs) (v128.load offset=96 (local.get $wp)))))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $xs) (v128.load offset=112 (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $stride)))
          ;; next row while xp (advanced by one float) < xend
          (br_if $row (i32.lt_u (local.tee $xp (i32.add (local.get $xp) (i32.const 4))) (local.get $xend))))
        (v128.store offset=0 (i32.add (local.get $y) (local.get $j)) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $y) (local.get $j)) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $y) (local.get $j)) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $y) (local.get $j)) (local.get $a3))
        (v128.store offset=64 (i32.add (local.get $y) (local.get $j)) (local.get $a4))
        (v128.store offset=80 (i32.add (local.get $y) (local.get $j)) (local.get $a5))
        (v128.store offset=96 (i32.add (local.get $y) (local.get $j)) (local.get $a6))
        (v128.store offset=112 (i32.add (local.get $y) (local.get $j)) (local.get $a7))
        (local.set $j (i32.add (local.get $j) (i32.const 128)))
        (br $wide_tile)))

    ;; the remaining columns, 4 at a time, up to nOut
    (block $narrow_done
      (loop $narrow_tile
        (br_if $narrow_done (i32.ge_u (local.get $j) (i32.mul (local.get $nOut) (i32.const 4))))
        (local.set $a0 (v128.load offset=0 (i32.add (local.get $b) (local.get $j))))
        (local.set $xp (local.get $x))
        (local.set $wp (i32.add (local.get $w) (local.get $j)))
        (loop $row
          (local.set $xs (f32x4.splat (f32.load (local.get $xp))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xs) (v128.load offset=0 (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $stride)))
          (br_if $row (i32.lt_u (local.tee $xp (i32.add (local.get $xp) (i32.const 4))) (local.get $xend))))
        (v128.store offset=0 (i32.add (local.get $y) (local.get $j)) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $narrow_tile))))

  ;; matvec: y[r] = Σ_i A[r, i]·x[i] for A [rows, n] with rows `stride` bytes apart, x [n].
  ;; The attention scores of one query against the cached keys of one head (A = the key cache, strided by d).
  ;; Needs n % 4 = 0. Each row is summed in steps of 16 floats (4 accumulators), then of 4, then across lanes.
  (func $matvec (export "matvec")
    (param $a i32) (param $x i32) (param $y i32) (param $rows i32) (param $n i32) (param $stride i32)
    (local $yp i32)     ;; → y[r]
    (local $yend i32)   ;; → y[rows]
    (local $rp i32)     ;; → A[r, 0]
    (local $i i32)      ;; byte offset within the row
    (local $iend16 i32) ;; byte offset where the 16-float steps end
    (local $iend i32)   ;; the row's length in bytes
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $iend16 (i32.and (local.tee $iend (i32.mul (local.get $n) (i32.const 4))) (i32.const -64)))
    (local.set $yend (i32.add (local.tee $yp (local.get $y)) (i32.mul (local.get $rows) (i32.const 4))))
    (local.set $rp (local.get $a))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $yp) (local.get $yend)))
        (local.set $a0 (f32x4.splat (f32.const 0)))
        (local.set $a1 (f32x4.splat (f32.const 0)))
        (local.set $a2 (f32x4.splat (f32.const 0)))
        (local.set $a3 (f32x4.splat (f32.const 0)))
        (local.set $i (i32.const 0))
        (block $wide_done
          (loop $wide_step
            (br_if $wide_done (i32.ge_u (local.get $i) (local.get $iend16)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load offset=0 (i32.add (local.get $rp) (local.get $i))) (v128.load offset=0 (i32.add (local.get $x) (local.get $i))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $rp) (local.get $i))) (v128.load offset=16 (i32.add (local.get $x) (local.get $i))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
              (v128.load offset=32 (i32.add (local.get $rp) (local.get $i))) (v128.load offset=32 (i32.add (local.get $x) (local.get $i))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
              (v128.load offset=48 (i32.add (local.get $rp) (local.get $i))) (v128.load offset=48 (i32.add (local.get $x) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 64)))
            (br $wide_step)))
        (block $narrow_done
          (loop $narrow_step
            (br_if $narrow_done (i32.ge_u (local.get $i) (local.get $iend)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load offset=0 (i32.add (local.get $rp) (local.get $i))) (v128.load offset=0 (i32.add (local.get $x) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $narrow_step)))
        ;; four accumulators into one, then its four lanes into y[r]
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (local.get $yp)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
        (local.set $rp (i32.add (local.get $rp) (local.get $stride)))
        (br $row))))

  ;; stream: Σ of the floats in [p, p + nBytes), nBytes rounded down to 64. The time to read those bytes once with
  ;; the loads the products use: the floor an AR step is held to (bench/ar-step.ts, fast/measure.ts).
  (func $stream (export "stream") (param $p i32) (param $nBytes i32) (result f32)
    (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $p) (i32.and (local.get $nBytes) (i32.const -64))))
    (local.set $a0 (f32x4.splat (f32.const 0)))
    (local.set $a1 (f32x4.splat (f32.const 0)))
    (local.set $a2 (f32x4.splat (f32.const 0)))
    (local.set $a3 (f32x4.splat (f32.const 0)))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; the sums only keep the loads from being dropped
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
        (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
        (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
        (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $chunk)))
    (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))
