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

  ;; panels: y[r, j] = b[j] + Σ_i x[r, i]·W[i, j] for `rows` rows of x [rows, nIn] and y [rows, nOut] (both
  ;; contiguous), W [nIn, nOut] packed in column panels (fast/decoder.ts packPanels): the first nOut − nOut % 32 columns
  ;; in panels of 32, each [nIn, 32] contiguous row by row, then the rest in panels of 4, [nIn, 4] each; the panel
  ;; that starts at column j0 lies at W + j0·nIn floats. Every weight product of one token (rows = 1), and of a
  ;; verify pass of a few tokens: a panel (≤ 128 KiB here) is read from memory for the first row and from the
  ;; core's own cache for the next, so the weights are streamed once per pass however many rows it has. Measured
  ;; on the shipped model (2 vCPUs, load ~6): with its 14.7 MB evicted before each call, 5 rows in one pass took
  ;; 1.79 ms against 2.21 ms for 5 one-row calls (one alone 0.57 ms); with them still in L3, 1.60–1.77 against
  ;; 1.65–1.70 (one 0.34): the products are then bound by their multiplies and adds (wasm SIMD has no fused
  ;; multiply-add), which no loop order saves.
  ;; A panel is read front to back, one 128-byte line per row of W: one linear stream the prefetcher follows,
  ;; where a strided W [nIn, nOut] has each 32-column tile jump nOut floats per row.
  ;; Needs nOut % 4 = 0, nIn % 2 = 0 and nIn ≥ 2. Two rows of W per turn of the loop, their products added to each
  ;; other before the running sum: half the loop overhead, and the 8 sums' add chains half as long.
  (func $panels (export "panels")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $nIn i32) (param $nOut i32) (param $rows i32)
    (local $j i32)    ;; byte offset of the panel's first column in a row of b and y
    (local $jend i32) ;; byte offset where the 32-wide panels end
    (local $p i32)    ;; → the panel's first row
    (local $wp i32)   ;; → the panel's row i
    (local $xr i32)   ;; → x[r, 0]
    (local $xp i32)   ;; → x[r, i]
    (local $xend i32) ;; → x[r, nIn]
    (local $yr i32)   ;; → y[r, j]
    (local $r i32)    ;; rows left
    (local $xs v128) (local $xt v128) ;; x[r, i] and x[r, i + 1] in all four lanes
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $jend (i32.and (i32.mul (local.get $nOut) (i32.const 4)) (i32.const -128)))
    (local.set $p (local.get $w))
    (block $wide_done
      (loop $wide_panel
        (br_if $wide_done (i32.ge_u (local.get $j) (local.get $jend)))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (local.get $j)))
        (local.set $r (local.get $rows))
        (loop $one_row
          ;; the sums start from the bias
          (local.set $a0 (v128.load offset=0 (i32.add (local.get $b) (local.get $j))))
          (local.set $a1 (v128.load offset=16 (i32.add (local.get $b) (local.get $j))))
          (local.set $a2 (v128.load offset=32 (i32.add (local.get $b) (local.get $j))))
          (local.set $a3 (v128.load offset=48 (i32.add (local.get $b) (local.get $j))))
          (local.set $a4 (v128.load offset=64 (i32.add (local.get $b) (local.get $j))))
          (local.set $a5 (v128.load offset=80 (i32.add (local.get $b) (local.get $j))))
          (local.set $a6 (v128.load offset=96 (i32.add (local.get $b) (local.get $j))))
          (local.set $a7 (v128.load offset=112 (i32.add (local.get $b) (local.get $j))))
          (local.set $xp (local.get $xr))
          (local.set $xend (i32.add (local.get $xr) (i32.mul (local.get $nIn) (i32.const 4))))
          (local.set $wp (local.get $p))
          (loop $two_w_rows
            (local.set $xs (f32x4.splat (f32.load offset=0 (local.get $xp))))
            (local.set $xt (f32x4.splat (f32.load offset=4 (local.get $xp))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=0 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=128 (local.get $wp))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=16 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=144 (local.get $wp))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=32 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=160 (local.get $wp))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=48 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=176 (local.get $wp))))))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=64 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=192 (local.get $wp))))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=80 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=208 (local.get $wp))))))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=96 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=224 (local.get $wp))))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.add
              (f32x4.mul (local.get $xs) (v128.load offset=112 (local.get $wp)))
              (f32x4.mul (local.get $xt) (v128.load offset=240 (local.get $wp))))))
            (local.set $wp (i32.add (local.get $wp) (i32.const 256)))
            (br_if $two_w_rows (i32.lt_u (local.tee $xp (i32.add (local.get $xp) (i32.const 8))) (local.get $xend))))
          (v128.store offset=0 (local.get $yr) (local.get $a0))
          (v128.store offset=16 (local.get $yr) (local.get $a1))
          (v128.store offset=32 (local.get $yr) (local.get $a2))
          (v128.store offset=48 (local.get $yr) (local.get $a3))
          (v128.store offset=64 (local.get $yr) (local.get $a4))
          (v128.store offset=80 (local.get $yr) (local.get $a5))
          (v128.store offset=96 (local.get $yr) (local.get $a6))
          (v128.store offset=112 (local.get $yr) (local.get $a7))
          (local.set $xr (local.get $xend))
          (local.set $yr (i32.add (local.get $yr) (i32.mul (local.get $nOut) (i32.const 4))))
          (br_if $one_row (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
        (local.set $p (local.get $wp)) ;; the next panel starts where this one ended
        (local.set $j (i32.add (local.get $j) (i32.const 128)))
        (br $wide_panel)))

    ;; the remaining columns in panels of 4 (16-byte rows), up to nOut
    (block $narrow_done
      (loop $narrow_panel
        (br_if $narrow_done (i32.ge_u (local.get $j) (i32.mul (local.get $nOut) (i32.const 4))))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (local.get $j)))
        (local.set $r (local.get $rows))
        (loop $one_row
          (local.set $a0 (v128.load (i32.add (local.get $b) (local.get $j))))
          (local.set $xp (local.get $xr))
          (local.set $xend (i32.add (local.get $xr) (i32.mul (local.get $nIn) (i32.const 4))))
          (local.set $wp (local.get $p))
          (loop $two_w_rows
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add
              (f32x4.mul (f32x4.splat (f32.load offset=0 (local.get $xp))) (v128.load offset=0 (local.get $wp)))
              (f32x4.mul (f32x4.splat (f32.load offset=4 (local.get $xp))) (v128.load offset=16 (local.get $wp))))))
            (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
            (br_if $two_w_rows (i32.lt_u (local.tee $xp (i32.add (local.get $xp) (i32.const 8))) (local.get $xend))))
          (v128.store (local.get $yr) (local.get $a0))
          (local.set $xr (local.get $xend))
          (local.set $yr (i32.add (local.get $yr) (i32.mul (local.get $nOut) (i32.const 4))))
          (br_if $one_row (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
        (local.set $p (local.get $wp))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $narrow_panel))))

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

;; exp4: e^x in each lane, for the attention's softmax and the MLP's GELU (wasm has no exp instruction).
  ;; Cody–Waite range reduction and the Cephes expf polynomial (cephes/single/expf.c; XNNPACK's f32 exp kernels
  ;; reduce the same way): x = n·ln2 + r with n = round(x·log2 e), |r| ≤ ln2/2, then e^x = 2^n · e^r, where
  ;;   e^r ≈ 1 + r + r²·(c0 + c1 r + c2 r² + c3 r³ + c4 r⁴ + c5 r⁵)
  ;; and 2^n is built as a float's bits, (n + 127) << 23. ln2 = C1 + C2 with C1 = 0.693359375 (9 bits), so n·C1 is
  ;; exact for |n| < 2^15 and x − n·C1 loses nothing; C2 = −2.12194440e−4 carries the rest. Within 1 ulp of the
  ;; true value over [−87.3, 88.3] (0.98 at worst on a grid of 2^20 points; test/fast.test.ts holds it to 1.5).
  ;; x is clamped to [−87.3, 88.3] first, so that n stays in [−126, 127] (2^n a normal float, e^x finite): below,
  ;; e^x gives ~1.2e−38 instead of 0 or a subnormal (a softmax weight of 1e−38 beside a sum ≥ 1 adds nothing),
  ;; above ~2.2e38 instead of ∞ (GELU's σ of a large negative argument is then ~4e−39 instead of 0).
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.pmin (f32x4.splat (f32.const 88.3))
                              (f32x4.pmax (f32x4.splat (f32.const -87.3)) (local.get $x))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    ;; Horner from c5 down to c0
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    ;; 1 + r + r²·p, the small terms summed first
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $r) (local.get $r)) (local.get $p))
                                        (local.get $r))
                             (f32x4.splat (f32.const 1))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; exp: p[i] = e^p[i] for i < n, in place (n % 4 = 0): exp4 on its own, for the tests.
  (func (export "exp") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.mul (local.get $n) (i32.const 4))))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (call $exp4 (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $four))))

  ;; softmax: p[i] = e^(p[i] − m) / Σ_j e^(p[j] − m) for i < n, m = max p, in place (n ≥ 1, any n): one query's
  ;; attention weights over n cached positions. Subtracting the max keeps every exponent ≤ 0 (ops.ts attend does
  ;; the same through tf.softmax). Four lanes at a time, the last n % 4 one by one (lane 0 of exp4 of a splat).
  (func $softmax (export "softmax") (param $p i32) (param $n i32)
    (local $q i32)     ;; → p[i]
    (local $end4 i32)  ;; → p[n − n % 4]
    (local $end i32)   ;; → p[n]
    (local $m v128)    ;; the max, then the sum, in all four lanes
    (local $s v128)    ;; running sums
    (local $e v128)
    (local $ms f32)    ;; the max as a scalar
    (local $ss f32)    ;; the sum as a scalar
    (local.set $end (i32.add (local.get $p) (i32.mul (local.get $n) (i32.const 4))))
    (local.set $end4 (i32.add (local.get $p) (i32.and (i32.mul (local.get $n) (i32.const 4)) (i32.const -16))))
    ;; the max
    (local.set $m (f32x4.splat (f32.const -inf)))
    (local.set $q (local.get $p))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $q) (local.get $end4)))
        (local.set $m (f32x4.pmax (local.get $m) (v128.load (local.get $q))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $four)))
    (local.set $ms (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                            (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $ms (f32.max (local.get $ms) (f32.load (local.get $q))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $one)))
    (local.set $m (f32x4.splat (local.get $ms)))
    ;; e^(p − m), stored, and summed
    (local.set $s (f32x4.splat (f32.const 0)))
    (local.set $q (local.get $p))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $q) (local.get $end4)))
        (local.set $e (call $exp4 (f32x4.sub (v128.load (local.get $q)) (local.get $m))))
        (v128.store (local.get $q) (local.get $e))
        (local.set $s (f32x4.add (local.get $s) (local.get $e)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $four)))
    (local.set $ss (f32.add (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
                            (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $e (call $exp4 (f32x4.splat (f32.sub (f32.load (local.get $q)) (local.get $ms)))))
        (f32.store (local.get $q) (f32x4.extract_lane 0 (local.get $e)))
        (local.set $ss (f32.add (local.get $ss) (f32x4.extract_lane 0 (local.get $e))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $one)))
    ;; each weight divided by the sum
    (local.set $s (f32x4.splat (local.get $ss)))
    (local.set $q (local.get $p))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $q) (local.get $end4)))
        (v128.store (local.get $q) (f32x4.div (v128.load (local.get $q)) (local.get $s)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (f32.store (local.get $q) (f32.div (f32.load (local.get $q)) (local.get $ss)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $one))))

  ;; gelu: p[i] = GELU(p[i]) for i < n, in place (n % 4 = 0): the MLP's activation, tanh form, written as
  ;; x·σ(2u) = x / (1 + e^(−2u)) with u = √(2/π)·(x + 0.044715·x³) (as ops.ts gelu: 0.5·(1 + tanh u) = σ(2u)).
  ;; −2u = x·(k1 + k3·x²), k1 = −2√(2/π), k3 = −2√(2/π)·0.044715. A large negative x gives e^(−2u) clamped at
  ;; ~2.2e38 (exp4), so x/(1 + that) is ~−1e−37 for 0; a large positive x gives x / 1.
  (func (export "gelu") (param $p i32) (param $n i32)
    (local $end i32)
    (local $x v128)
    (local.set $end (i32.add (local.get $p) (i32.mul (local.get $n) (i32.const 4))))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (v128.store (local.get $p) (f32x4.div (local.get $x) (f32x4.add (f32x4.splat (f32.const 1))
          (call $exp4 (f32x4.mul (local.get $x) (f32x4.add (f32x4.splat (f32.const -1.5957691216057308))
            (f32x4.mul (f32x4.splat (f32.const -0.07135481627260025)) (f32x4.mul (local.get $x) (local.get $x)))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $four))))

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
