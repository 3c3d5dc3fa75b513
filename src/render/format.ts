// Human units for the numbers the engine computed: one formatting function per quantity.
// Decimal SI prefixes throughout (1 kB = 1000 B), three significant digits so columns keep their width.

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/**
 * The one SI formatter: value / 1000^e with e the largest power that keeps the mantissa ≥ 1, to `digits` significant
 * digits (3 keeps the view's columns; calc's report prints 4); an integer below 1000 as it is. Every command's bytes,
 * FLOPs and counts go through it.
 */
export function formatSI(value: number, unit: string, digits = 3): string {
  if (!Number.isFinite(value)) return `— ${unit}`.trim();
  if (value === 0) return `0 ${unit}`.trim();
  let e = Math.min(SI.length - 1, Math.max(0, Math.floor(Math.log10(Math.abs(value)) / 3)));
  let m = value / 1000 ** e;
  // rounding can carry 999.96 up to "1000": move to the next prefix instead ("1.000 TB", not "1000 GB")
  if (Math.abs(Number(m.toPrecision(digits))) >= 1000 && e < SI.length - 1) {
    e += 1;
    m = value / 1000 ** e;
  }
  const shown = e === 0 && Number.isInteger(value) ? String(value) : m.toPrecision(digits);
  return `${shown} ${SI[e]}${unit}`.trim();
}

/** 10^e as a short axis label: 0.1, 1, 10, 100, 1k … 100P (the roofline chart's decades) */
export function decadeLabel(e: number): string {
  if (e < 0) return e === -1 ? '0.1' : `1e${e}`;
  const i = Math.min(SI.length - 1, Math.floor(e / 3));
  return `${10 ** (e - 3 * i)}${SI[i]}`;
}

/** Bytes in B/kB/MB/GB/TB (decimal): 1.23 MB */
export function formatBytes(bytes: number): string {
  return formatSI(bytes, 'B');
}

/** FLOPs in FLOP/kFLOP/MFLOP/GFLOP/TFLOP/PFLOP: 2.10 GFLOP */
export function formatFlops(flops: number): string {
  return formatSI(flops, 'FLOP');
}

/** Bytes per FLOP, 2 significant digits: 0.52, 0.0024, 5.0e-5 below 0.001 (the gauge's low decades). */
export function formatBytesPerFlop(bpf: number): string {
  if (!Number.isFinite(bpf)) return '∞';
  if (bpf === 0) return '0';
  if (bpf >= 100) return String(Math.round(bpf));
  if (bpf >= 0.001) return bpf.toPrecision(2);
  return bpf.toExponential(1);
}

/** Milliseconds: 0.42 ms, 12.3 ms, 456 ms, 1.23 s, 75.0 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '— ms';
  if (ms < 1000) return `${ms < 1 ? ms.toFixed(2) : ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

/** An integer count with thin grouping: 1 234 567 (params, tokens). */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Parameters in k/M/B (the way model cards write them): 8.03B, 1.20M. */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${(n / 1e3).toPrecision(3)}k`;
  return String(n);
}
