;; The multi-row pass's WebAssembly SIMD kernels (fast/pass-stages.ts calls them; fast/gemm.ts instantiates them on
;; a shared memory, once per thread). Assembled by `npm run build:kernels` (scripts/build-kernels.mjs) into
;; gemm-binary.ts; test/pass.test.ts re-assembles this file and holds the committed bytes to it, byte for byte.
;;
;; Every pointer and stride is in bytes, every count in floats. A row's result never depends on which other rows
;; share the call: each output is summed in the same order (bias, then k = 0, 1, …) by the 4-row tile and the 1-row
;; tile alike, so splitting a product by rows over threads changes no bit (test/pass.test.ts).
(module
  ;; the weights, activations and caches of one model, shared by every thread (fast/pass-layout.ts lays it out)
  (import "env" "mem" (memory 1 16384 shared))

  ;; tile4: 4 rows × 8 columns of Y = X·W + b (+ Y when acc ≠ 0) over one packed panel of W.
  ;; The panel holds W[k, 8 columns] for k = 0 … nIn−1, 32 bytes per k, so it is read front to back.
  ;; 8 accumulators (4 rows × 2 v128), 2 weight registers and 1 broadcast: 11 of the 15 xmm registers V8 hands out,
  ;; so nothing spills; each k does 8 mul + 8 add for 2 weight loads and 4 broadcast loads.
  (func $tile4
    (param $x i32) (param $xs i32) (param $w i32) (param $b i32) (param $y i32) (param $ys i32)
    (param $nIn i32) (param $acc i32)
    (local $x1 i32) (local $x2 i32) (local $x3 i32) ;; → X[row 1..3, k] (x itself walks row 0)
    (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $xend i32) ;; → X[row 0, nIn]
    (local $w0 v128) (local $w1 v128) (local $s v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $x1 (i32.add (local.get $x) (local.get $xs)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $xs)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $xs)))
    (local.set $y1 (i32.add (local.get $y) (local.get $ys)))
    (local.set $y2 (i32.add (local.get $y1) (local.get $ys)))
    (local.set $y3 (i32.add (local.get $y2) (local.get $ys)))
    (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $nIn) (i32.const 2))))
    ;; the sums start from the bias, plus Y itself when accumulating (the residual stream)
    (local.set $a00 (v128.load (local.get $b)))
    (local.set $a01 (v128.load offset=16 (local.get $b)))
    (local.set $a10 (local.get $a00)) (local.set $a11 (local.get $a01))
    (local.set $a20 (local.get $a00)) (local.set $a21 (local.get $a01))
    (local.set $a30 (local.get $a00)) (local.set $a31 (local.get $a01))
    (if (local.get $acc)
      (then
        (local.set $a00 (f32x4.add (local.get $a00) (v128.load (local.get $y))))
        (local.set $a01 (f32x4.add (local.get $a01) (v128.load offset=16 (local.get $y))))
        (local.set $a10 (f32x4.add (local.get $a10) (v128.load (local.get $y1))))
        (local.set $a11 (f32x4.add (local.get $a11) (v128.load offset=16 (local.get $y1))))
        (local.set $a20 (f32x4.add (local.get $a20) (v128.load (local.get $y2))))
        (local.set $a21 (f32x4.add (local.get $a21) (v128.load offset=16 (local.get $y2))))
        (local.set $a30 (f32x4.add (local.get $a30) (v128.load (local.get $y3))))
        (local.set $a31 (f32x4.add (local.get $a31) (v128.load offset=16 (local.get $y3))))))
    (loop $k
      (local.set $w0 (v128.load (local.get $w)))
      (local.set $w1 (v128.load offset=16 (local.get $w)))
      (local.set $s (v128.load32_splat (local.get $x)))
      (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (v128.load32_splat (local.get $x1)))
      (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (v128.load32_splat (local.get $x2)))
      (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (v128.load32_splat (local.get $x3)))
      (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $w (i32.add (local.get $w) (i32.const 32)))
      (local.set $x1 (i32.add (local.get $x1) (i32.const 4)))
      (local.set $x2 (i32.add (local.get $x2) (i32.const 4)))
      (local.set $x3 (i32.add (local.get $x3) (i32.const 4)))
      (br_if $k (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 4))) (local.get $xend))))
    (v128.store (local.get $y) (local.get $a00))
    (v128.store offset=16 (local.get $y) (local.get $a01))
    (v128.store (local.get $y1) (local.get $a10))
    (v128.store offset=16 (local.get $y1) (local.get $a11))
    (v128.store (local.get $y2) (local.get $a20))
    (v128.store offset=16 (local.get $y2) (local.get $a21))
    (v128.store (local.get $y3) (local.get $a30))
    (v128.store offset=16 (local.get $y3) (local.get $a31)))

  ;; tile1: one row × 8 columns, the same sums in the same order as one row of tile4 (the rows left over).
  (func $tile1
    (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $nIn i32) (param $acc i32)
    (local $xend i32) (local $s v128) (local $a0 v128) (local $a1 v128)
    (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $nIn) (i32.const 2))))
    (local.set $a0 (v128.load (local.get $b)))
    (local.set $a1 (v128.load offset=16 (local.get $b)))
    (if (local.get $acc)
      (then
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $y))))
        (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $y))))))
    (loop $k
      (local.set $s (v128.load32_splat (local.get $x)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $w)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $w)))))
      (local.set $w (i32.add (local.get $w) (i32.const 32)))
      (br_if $k (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 4))) (local.get $xend))))
    (v128.store (local.get $y) (local.get $a0))
    (v128.store offset=16 (local.get $y) (local.get $a1)))

  ;; gemm: Y[r, j] = b[j] + Σ_k X[r, k]·W[k, j] (+ Y[r, j] when acc ≠ 0) for r < rows, j < nOut.
  ;; X rows are xs bytes apart, Y rows ys; W is packed in panels of 8 columns (panel p: W[k, 8p .. 8p+7] for every k,
  ;; nIn·32 bytes, panels end to end). Needs nOut % 8 = 0 and nIn ≥ 1. Panels are the outer loop: one panel (8 KB at
  ;; nIn 256) stays in L1 while every row passes over it, and the rows come from L2.
  (func $gemm (export "gemm")
    (param $x i32) (param $xs i32) (param $w i32) (param $b i32) (param $y i32) (param $ys i32)
    (param $rows i32) (param $nIn i32) (param $nOut i32) (param $acc i32)
    (local $j i32)    ;; byte offset of the panel's first column
    (local $jend i32) ;; nOut in bytes
    (local $r i32)    ;; rows done in this panel
    (local $xr i32) (local $yr i32)
    (local $panel i32) ;; one panel's bytes
    (local.set $jend (i32.shl (local.get $nOut) (i32.const 2)))
    (local.set $panel (i32.shl (local.get $nIn) (i32.const 5)))
    (block $cols_done
      (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $jend)))
        (local.set $r (i32.const 0))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (local.get $j)))
        (block $fours_done
          (loop $fours
            (br_if $fours_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
            (call $tile4 (local.get $xr) (local.get $xs) (local.get $w) (i32.add (local.get $b) (local.get $j))
              (local.get $yr) (local.get $ys) (local.get $nIn) (local.get $acc))
            (local.set $xr (i32.add (local.get $xr) (i32.shl (local.get $xs) (i32.const 2))))
            (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $ys) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $fours)))
        (block $ones_done
          (loop $ones
            (br_if $ones_done (i32.ge_u (local.get $r) (local.get $rows)))
            (call $tile1 (local.get $xr) (local.get $w) (i32.add (local.get $b) (local.get $j)) (local.get $yr)
              (local.get $nIn) (local.get $acc))
            (local.set $xr (i32.add (local.get $xr) (local.get $xs)))
            (local.set $yr (i32.add (local.get $yr) (local.get $ys)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $ones)))
        (local.set $w (i32.add (local.get $w) (local.get $panel)))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $cols))))

  ;; exp4: e^x in each lane (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n built in the
  ;; exponent bits), relative error ~1e-7. x is clamped to [−87.3, 88]: 2^n stays a normal float, never ∞.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (f32x4.min (local.get $x) (f32x4.splat (f32.const 88.0)))
      (f32x4.splat (f32.const -87.3365447505531))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    ;; r = x − n·ln2, ln2 in two parts so that n·ln2_hi is exact
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    ;; p·r² + r + 1
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r))
      (local.get $r)) (f32x4.splat (f32.const 1))))
    ;; × 2^n: n + 127 in the exponent field. Adding 1.5·2²³ + 127 puts the integer n + 127 in the low mantissa bits
    ;; of the sum (cheaper than i32x4.trunc_sat_f32x4_s, a long sequence on x64); << 23 moves it to the exponent.
    (f32x4.mul (local.get $p)
      (i32x4.shl (f32x4.add (local.get $n) (f32x4.splat (f32.const 12583039))) (i32.const 23))))

  ;; softmaxRows: each of `rows` rows of S (`stride` bytes apart, n floats, n % 4 = 0) becomes softmax of its first
  ;; cnt[r] entries (cnt: i32 per row, ≥ 1, the keys the row may see) and 0 beyond them: the masked scores of
  ;; attention, as softmax(s + bias) with −1e9 at the masked keys. Every lane past cnt is masked by one compare, so
  ;; a row is max, exp and sum, and scale, each a plain v128 loop.
  (func $softmaxRows (export "softmaxRows")
    (param $s i32) (param $stride i32) (param $rows i32) (param $cnt i32) (param $n i32)
    (local $end i32) (local $p i32) (local $left v128) (local $keep v128)
    (local $mx v128) (local $sum v128) (local $e v128)
    (local $idx v128) ;; the lane's column index within its group of 4: 0 1 2 3, then counting down the visible keys
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.eqz (local.get $rows)))
        (local.set $end (i32.add (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        ;; max over the visible lanes
        (local.set $mx (f32x4.splat (f32.const -inf)))
        (local.set $left (i32x4.sub (i32x4.splat (i32.load (local.get $cnt))) (v128.const i32x4 0 1 2 3)))
        (local.set $idx (local.get $left))
        (local.set $p (local.get $s))
        (block $max_done
          (loop $max
            (br_if $max_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $keep (i32x4.gt_s (local.get $idx) (v128.const i32x4 0 0 0 0)))
            (local.set $mx (f32x4.max (local.get $mx)
              (v128.bitselect (v128.load (local.get $p)) (f32x4.splat (f32.const -inf)) (local.get $keep))))
            (local.set $idx (i32x4.sub (local.get $idx) (i32x4.splat (i32.const 4))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $max)))
        (local.set $mx (f32x4.max
          (f32x4.max (f32x4.splat (f32x4.extract_lane 0 (local.get $mx))) (f32x4.splat (f32x4.extract_lane 1 (local.get $mx))))
          (f32x4.max (f32x4.splat (f32x4.extract_lane 2 (local.get $mx))) (f32x4.splat (f32x4.extract_lane 3 (local.get $mx))))))
        ;; e = exp(s − max) on the visible lanes, 0 elsewhere, summed per lane
        (local.set $sum (f32x4.splat (f32.const 0)))
        (local.set $idx (local.get $left))
        (local.set $p (local.get $s))
        (block $exp_done
          (loop $exp
            (br_if $exp_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $e (v128.and
              (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $mx)))
              (i32x4.gt_s (local.get $idx) (v128.const i32x4 0 0 0 0))))
            (v128.store (local.get $p) (local.get $e))
            (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
            (local.set $idx (i32x4.sub (local.get $idx) (i32x4.splat (i32.const 4))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $exp)))
        ;; one division a row, then products: 1/Σ
        (local.set $sum (f32x4.splat (f32.div (f32.const 1) (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
          (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))))
        (local.set $p (local.get $s))
        (block $div_done
          (loop $div
            (br_if $div_done (i32.ge_u (local.get $p) (local.get $end)))
            (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $sum)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $div)))
        (local.set $s (i32.add (local.get $s) (local.get $stride)))
        (local.set $cnt (i32.add (local.get $cnt) (i32.const 4)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; gelu: x ← x·σ(2u), u = c·(x + 0.044715·x³), c = √(2/π), over n floats (n % 4 = 0): GELU's tanh form as
  ;; ops.ts computes it, x / (1 + e^(−x·(2c·0.044715·x² + 2c))).
  (func $gelu (export "gelu") (param $p i32) (param $n i32)
    (local $end i32) (local $x v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (v128.store (local.get $p) (f32x4.div (local.get $x) (f32x4.add (f32x4.splat (f32.const 1))
          (call $exp4 (f32x4.neg (f32x4.mul (local.get $x)
            (f32x4.add (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (f32x4.splat (f32.const 0.0713548162726)))
              (f32x4.splat (f32.const 1.5957691216057)))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $each))))

  ;; layerNorm: each of `rows` rows of X (xs bytes apart, d floats, d % 4 = 0) into Y (ys bytes apart):
  ;; (x − μ)/√(σ² + 1e-5)·g + b, σ² the biased variance (as ops.ts layerNorm). X and Y may be the same rows.
  ;; Two passes over the row (the sum, then the squared deviations), each summed in 4 lanes then across them.
  (func $layerNorm (export "layerNorm")
    (param $x i32) (param $xs i32) (param $y i32) (param $ys i32) (param $rows i32) (param $d i32)
    (param $g i32) (param $b i32)
    (local $i i32) (local $n i32) (local $sum v128) (local $c v128) (local $mu v128) (local $rstd v128)
    (local.set $n (i32.shl (local.get $d) (i32.const 2)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.eqz (local.get $rows)))
        ;; μ
        (local.set $sum (f32x4.splat (f32.const 0)))
        (local.set $i (i32.const 0))
        (loop $mean
          (local.set $sum (f32x4.add (local.get $sum) (v128.load (i32.add (local.get $x) (local.get $i)))))
          (br_if $mean (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n))))
        (local.set $mu (f32x4.splat (f32.div
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
            (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum))))
          (f32.convert_i32_u (local.get $d)))))
        ;; σ², then 1/√(σ² + eps)
        (local.set $sum (f32x4.splat (f32.const 0)))
        (local.set $i (i32.const 0))
        (loop $var
          (local.set $c (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $mu)))
          (local.set $sum (f32x4.add (local.get $sum) (f32x4.mul (local.get $c) (local.get $c))))
          (br_if $var (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n))))
        (local.set $rstd (f32x4.splat (f32.div (f32.const 1) (f32.sqrt (f32.add
          (f32.div
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
              (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum))))
            (f32.convert_i32_u (local.get $d)))
          (f32.const 1e-5))))))
        ;; y = (x − μ)·rstd·g + b
        (local.set $i (i32.const 0))
        (loop $norm
          (v128.store (i32.add (local.get $y) (local.get $i))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $mu)) (local.get $rstd))
                (v128.load (i32.add (local.get $g) (local.get $i))))
              (v128.load (i32.add (local.get $b) (local.get $i)))))
          (br_if $norm (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n))))
        (local.set $x (i32.add (local.get $x) (local.get $xs)))
        (local.set $y (i32.add (local.get $y) (local.get $ys)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; rope: rotary positions (ops.ts rope, rotate-half) on the first `cols` floats of one row at p, in heads of hd
  ;; (hd % 8 = 0): within each head, (x_i, x_{i+hd/2}) is rotated by the angle whose cos and sin are cs[i], sn[i]
  ;; (the row's position's line of ops.ts ropeTable); then the first `scaled` floats (q) are multiplied by `scale`
  ;; (1/√hd, as ops.ts attend scales q).
  (func $rope (export "rope")
    (param $p i32) (param $cols i32) (param $hd i32) (param $cs i32) (param $sn i32) (param $scale f32)
    (param $scaled i32)
    (local $h i32) (local $hend i32) (local $half i32) (local $i i32) (local $a i32)
    (local $x1 v128) (local $x2 v128) (local $c v128) (local $s v128) (local $k v128)
    (local.set $half (i32.shl (local.get $hd) (i32.const 1))) ;; hd/2 floats in bytes
    (local.set $hend (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $h (local.get $p))
    (block $heads_done
      (loop $head
        (br_if $heads_done (i32.ge_u (local.get $h) (local.get $hend)))
        (local.set $i (i32.const 0))
        (loop $pair
          (local.set $a (i32.add (local.get $h) (local.get $i)))
          (local.set $x1 (v128.load (local.get $a)))
          (local.set $x2 (v128.load (i32.add (local.get $a) (local.get $half))))
          (local.set $c (v128.load (i32.add (local.get $cs) (local.get $i))))
          (local.set $s (v128.load (i32.add (local.get $sn) (local.get $i))))
          (v128.store (local.get $a)
            (f32x4.sub (f32x4.mul (local.get $x1) (local.get $c)) (f32x4.mul (local.get $x2) (local.get $s))))
          (v128.store (i32.add (local.get $a) (local.get $half))
            (f32x4.add (f32x4.mul (local.get $x2) (local.get $c)) (f32x4.mul (local.get $x1) (local.get $s))))
          (br_if $pair (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $half))))
        (local.set $h (i32.add (local.get $h) (i32.shl (local.get $hd) (i32.const 2))))
        (br $head)))
    (local.set $k (f32x4.splat (local.get $scale)))
    (local.set $hend (i32.add (local.get $p) (i32.shl (local.get $scaled) (i32.const 2))))
    (block $scale_done
      (loop $each
        (br_if $scale_done (i32.ge_u (local.get $p) (local.get $hend)))
        (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $k)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $each))))

  ;; peak: iters × 7 f32x4 mul+add pairs on registers only (56 flops an iteration), the most this thread's SIMD
  ;; units give wasm: the ceiling a product's GFLOP/s is compared with (bench/pass.ts), and the probe for a free second
  ;; core (fast/pool.ts runs it on two threads at once). The muls and the adds are separate chains, m ← m·c and
  ;; a ← a + m, so neither waits on the other's latency and nothing is loop-invariant; 7 of each keep both kinds of
  ;; pipe busy (15 registers with c, none spilled). c = 1 − 2⁻²⁴ keeps m near 1 for 10⁸ iterations (no denormals).
  (func $peak (export "peak") (param $iters i32) (result f32)
    (local $c v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $m4 v128) (local $m5 v128) (local $m6 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128)
    (local.set $c (f32x4.splat (f32.const 0x1.fffffep-1)))
    (local.set $m0 (f32x4.splat (f32.const 1)))
    (local.set $m1 (local.get $m0)) (local.set $m2 (local.get $m0)) (local.set $m3 (local.get $m0)) (local.set $m4 (local.get $m0)) (local.set $m5 (local.get $m0)) (local.set $m6 (local.get $m0))
    (block $done
      (loop $iter
        (br_if $done (i32.le_s (local.get $iters) (i32.const 0)))
        (local.set $m0 (f32x4.mul (local.get $m0) (local.get $c)))
        (local.set $m1 (f32x4.mul (local.get $m1) (local.get $c)))
        (local.set $m2 (f32x4.mul (local.get $m2) (local.get $c)))
        (local.set $m3 (f32x4.mul (local.get $m3) (local.get $c)))
        (local.set $m4 (f32x4.mul (local.get $m4) (local.get $c)))
        (local.set $m5 (f32x4.mul (local.get $m5) (local.get $c)))
        (local.set $m6 (f32x4.mul (local.get $m6) (local.get $c)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $m0)))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $m1)))
        (local.set $a2 (f32x4.add (local.get $a2) (local.get $m2)))
        (local.set $a3 (f32x4.add (local.get $a3) (local.get $m3)))
        (local.set $a4 (f32x4.add (local.get $a4) (local.get $m4)))
        (local.set $a5 (f32x4.add (local.get $a5) (local.get $m5)))
        (local.set $a6 (f32x4.add (local.get $a6) (local.get $m6)))
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br $iter)))
    ;; the sums go out so that none of them is dead code
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a1) (local.get $m1))))
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a2) (local.get $m2))))
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a3) (local.get $m3))))
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a4) (local.get $m4))))
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a5) (local.get $m5))))
    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (local.get $a6) (local.get $m6))))
    (f32x4.extract_lane 0 (local.get $a0))))
