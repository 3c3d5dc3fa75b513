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

/** Bytes per FLOP, `digits` significant digits (2 in tables: 0.52, 0.0024, 0.00024; 5.0e-6 below 1e-5; a sentence that compares a pass with the ridge asks for more, so 0.00256 and 0.00260 do not both read 0.0026). */
export function formatBytesPerFlop(bpf: number, digits = 2): string {
  if (!Number.isFinite(bpf)) return '∞';
  if (bpf === 0) return '0';
  if (bpf >= 100) return String(Math.round(bpf));
  // decimal down to 1e-5 (a batched diffusion pass reads 0.00024, like every other B/F on screen), powers below
  if (bpf >= 1e-5) return bpf.toPrecision(digits);
  return bpf.toExponential(digits - 1);
}

/** The significant digits (3 or more, up to 6) at which two B/F values compared in words read differently: a pass
 *  at 0.00256 against the 0.00260 ridge, not two 0.0026s; values equal to 6 digits read alike. */
export function bytesPerFlopDigitsApart(a: number, b: number): number {
  let digits = 3;
  while (digits < 6 && formatBytesPerFlop(a, digits) === formatBytesPerFlop(b, digits)) digits++;
  return digits;
}

/** Arithmetic intensity, FLOP per byte (1 ÷ B/F), as the roofline's x axis reads it: 385, 41, 2.0 */
export function formatFlopPerByte(fpb: number): string {
  if (!Number.isFinite(fpb)) return '∞';
  return fpb >= 10 ? String(Math.round(fpb)) : fpb.toPrecision(2);
}

/** Milliseconds: 0.42 ms, 12.3 ms, 456 ms, 1.23 s, 75.0 s (formatSeconds from 1 ms up: 999.6 ms is "1.00 s"). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '— ms';
  // below 1 ms the view's columns stay in milliseconds ("0.42 ms", not "420 µs")
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  return formatSeconds(ms / 1000);
}

/** An integer count with thin grouping: 1 234 567 (params, tokens). */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Parameters in k/M/B (the way model cards write them): 8.03B, 1.20M; the SI formatter's figures, G written B. */
export function formatParams(n: number): string {
  return formatSI(n, '').replace(' G', 'B').replace(' ', '');
}

/** Seconds with the prefix that keeps the mantissa ≥ 1 (s, ms, µs, ns), `digits` significant digits: 20.08 s, 104.5 ms,
 *  12.3 µs; a mantissa that rounds to 1000 moves up a prefix ("1.000 s", not "1000 ms"). */
export function formatSeconds(s: number, digits = 3): string {
  if (!Number.isFinite(s)) return '— s';
  if (s === 0) return '0 s';
  const units = [
    [1, 's'],
    [1e3, 'ms'],
    [1e6, 'µs'],
    [1e9, 'ns'],
  ] as const;
  let i = units.findIndex(([m]) => Math.abs(s) * m >= 1);
  if (i < 0) i = units.length - 1;
  if (i > 0 && Math.abs(Number((s * units[i]![0]).toPrecision(digits))) >= 1000) i -= 1;
  const x = s * units[i]![0];
  // past 10^digits seconds toPrecision would write an exponent: the whole seconds instead
  return `${Math.abs(x) >= 10 ** digits ? String(Math.round(x)) : x.toPrecision(digits)} ${units[i]![1]}`;
}

/** A share or a size of error as a percentage, one decimal, no sign: 0.148 → "14.8 %" */
export function formatPercent(x: number): string {
  return `${Math.abs(x * 100).toFixed(1)} %`;
}

/** A signed relative difference in percent, one decimal: "+1.0 %", "−24.2 %" (a minus sign, not a hyphen); one that
 *  rounds to zero is "0.0 %", never "−0.0 %" (a fitted row's error of −0.00004). */
export function formatSignedPercent(x: number): string {
  const shown = formatPercent(x);
  return parseFloat(shown) === 0 ? shown : `${x > 0 ? '+' : '−'}${shown}`;
}
