// Picking tokens from logits, in plain JS on downloaded rows: seeded, identical on every backend. The diffusion lane
// picks on tensors instead (choose.ts), with the same draws as pick() here.

/** A seeded source of floats in [0, 1) that can also jump over n draws without making them. */
export type Rand = (() => number) & { skip(n: number): void };

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). Its state is a counter stepped by 0x6d2b79f5 per draw,
 *  so skip(n) adds n·0x6d2b79f5 (mod 2³²): the next draw is the one n draws later, as if they had been made. */
export function rng(seed: number): Rand {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, {
    skip(n: number) {
      a = (a + Math.imul(n >>> 0, 0x6d2b79f5)) >>> 0;
    },
  });
}

/** softmax of one row (numerically stable). */
export function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const p = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += p[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) p[i] /= sum;
  return p;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** The k-th largest value of a row (1-based), by quickselect on a copy: O(n), where a sort of the 2048 logits per
 *  row per pass cost more than the pass's attention. */
export function kthLargest(row: ArrayLike<number>, k: number): number {
  const a = Float64Array.from(row as ArrayLike<number>);
  let lo = 0,
    hi = a.length - 1;
  const want = k - 1; // index in descending order
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo,
      j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want];
  }
  return a[want];
}

/** The draws pick() makes on a row of V logits whose k-th largest is not tied: one per candidate, i.e. k with a
 *  top-k cutoff, V − 1 without (every token but [MASK], whose logit is −1e9), none at temperature 0. */
export function drawsPerRow(V: number, temperature: number, topK: number): number {
  if (temperature <= 0) return 0;
  return topK > 0 && topK < V ? topK : V - 1;
}

/** A token drawn at temperature T (0 = argmax) among the top-k (0 = all): Gumbel-max, which is exact sampling. */
export function pick(row: ArrayLike<number>, temperature: number, topK: number, rand: () => number): number {
  if (temperature <= 0) return argmax(row);
  let cutoff = -Infinity;
  if (topK > 0 && topK < row.length) cutoff = kthLargest(row, topK);
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i] < cutoff || row[i] < -1e8) continue;
    const g = -Math.log(-Math.log(Math.max(rand(), 1e-300)));
    const s = row[i] / temperature + g;
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best < 0 ? argmax(row) : best;
}

/** The distribution pick() draws from: softmax(row / T) over the top-k entries (ties at the k-th value included, as
 *  in pick; [MASK]'s −1e9 excluded); T = 0 puts all mass on the argmax. */
export function samplingDistribution(row: ArrayLike<number>, temperature: number, topK: number): Float64Array {
  const p = new Float64Array(row.length);
  if (temperature <= 0) {
    p[argmax(row)] = 1;
    return p;
  }
  let cutoff = -Infinity;
  if (topK > 0 && topK < row.length) cutoff = kthLargest(row, topK);
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] >= cutoff && row[i] >= -1e8 && row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++)
    if (row[i] >= cutoff && row[i] >= -1e8) sum += p[i] = Math.exp((row[i] - max) / temperature);
  for (let i = 0; i < row.length; i++) p[i] /= sum;
  return p;
}

/** A draw from unnormalised weights w (Σ w = total) by inversion. */
export function sampleFrom(w: ArrayLike<number>, total: number, rand: () => number): number {
  let u = rand() * total;
  let last = -1;
  for (let i = 0; i < w.length; i++) {
    if (w[i] <= 0) continue;
    last = i;
    if ((u -= w[i]) < 0) return i;
  }
  return last; // rounding left u ≥ 0 at the end: the last token with weight
}

/** Margin p1 − p2 between the two most likely tokens (Dream's topk_margin). */
export function margin(p: Float64Array): number {
  let a = 0,
    b = 0;
  for (const x of p)
    if (x > a) {
      b = a;
      a = x;
    } else if (x > b) b = x;
  return a - b;
}

/** Entropy in nats, −Σ p log p (Dream's entropy strategy scores −entropy). */
export function entropy(p: Float64Array): number {
  let h = 0;
  for (const x of p) if (x > 0) h -= x * Math.log(x);
  return h;
}

/** Split n tokens over s steps as evenly as possible, remainder to the first steps (LLaDA get_num_transfer_tokens). */
export function evenSplit(n: number, s: number): number[] {
  const base = Math.floor(n / s);
  const rem = n % s;
  return Array.from({ length: s }, (_, i) => base + (i < rem ? 1 : 0));
}
