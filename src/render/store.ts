// The store every live renderer reads: it pulls StepEvents from every lane's generator according to the pacing,
// keeps per-lane totals and history, and publishes one immutable snapshot per frame (never one per decoder event).
// It has no timers of its own: the live view calls frame(dt) on an interval, the asciicast writer on a virtual clock.
import type { LaneId, Position, StepEvent } from '../engine/decode/events.js';
import { visible } from '../engine/io/sanitize.js';
import { addPass, EMPTY_TOTALS, type LaneTotals } from '../engine/price/totals.js';
import type { LanePass } from '../engine/lanes.js';
import type { Run } from '../engine/run.js';
import type { Quality } from '../engine/quality.js';
import { passEnds, raceIncrement, raceStep, stepPace } from './pacing.js';

export type Pace = 'step' | 'time';
export const PACES: readonly Pace[] = ['step', 'time'];

// running totals: the price shelf's one accumulator (engine/price/totals.ts)
export { addPass, EMPTY_TOTALS, type LaneTotals } from '../engine/price/totals.js';

export interface LaneState {
  id: LaneId;
  /** the last pass shown (null before the first) */
  event: StepEvent | null;
  totals: LaneTotals;
  /** B/F of every pass shown, in order (sparkline) */
  bpfHistory: readonly number[];
  /** the shape and kind of every pass shown, in order (the schedule a projection re-prices) */
  passes: readonly LanePass[];
  /** every pass shown as measured here: bytes, FLOPs, wall ms (the roofline chart's local points) */
  here: readonly HerePass[];
  done: boolean;
  error: string | null;
  /** lane time (ms, measured or projected) at the end of the last pass shown: the race position under --pace time */
  laneMs: number;
  /** time pace: the lane's whole time (ms, projected on the target shown, else measured), known once the race is priced */
  raceMs: number | null;
  /** time pace: the lane's whole run, decoded before the race starts: every pass and the tokens it commits (the verdict
   *  is exact from the race's first frame, not extrapolated from the passes shown); null before, and under step pace */
  whole: { passes: readonly LanePass[]; tokens: number; here: readonly HerePass[] } | null;
  /** its final text judged (StoreOptions.judge) once it is done: undefined before, null without a text or a judge */
  quality: Quality | null | undefined;
}

export interface HerePass {
  bytes: number;
  flops: number;
  wallMs: number;
}

export interface Snapshot {
  version: number;
  lanes: Record<LaneId, LaneState>;
  pace: Pace;
  paused: boolean;
  /** speed multiplier changed by +/- (1 = --delay per step) */
  speed: number;
  delayMs: number;
  guesses: boolean;
  help: boolean;
  hardwareIndex: number;
  /** entry of the batch cycle `b` steps through (render/projection.ts batchCycle) */
  batchIndex: number;
  /** a short status message (e.g. after `h` with no projection), cleared after a while */
  message: string | null;
  /** every lane finished (or failed) */
  finished: boolean;
  /** --exit: the hold after finishing has elapsed: the app should quit now */
  exitNow: boolean;
  /** time pace: passes decoded ahead so far while the race is being priced (null once it runs, and under step pace) */
  decodingAhead: number | null;
  /** time pace: the slowest lane's whole time (ms) the race spreads over RACE_SCREEN_MS of screen (null before) */
  slowestMs: number | null;
}

/** A fresh stream per lane, in display order (the key order). */
export type LaneSources = Record<LaneId, () => AsyncGenerator<StepEvent>>;

/** A run's lanes as store sources, in the run's order. */
export function laneSources(run: Pick<Run, 'info' | 'stream'>): LaneSources {
  return Object.fromEntries(run.info.lanes.map((l) => [l.id, () => run.stream(l.id)]));
}

export interface StoreOptions {
  pace: Pace;
  /** ms of screen time per step (step pace); time pace: the reference lane's typical pass lasts this long */
  delayMs: number;
  /** quit after this hold (ms of screen time) once both lanes finish; null = stay */
  exitHoldMs: number | null;
  /** a pass's duration for --pace time on hardware entry h at batch entry b: projected ms when a projection exists,
   *  else measured wall ms */
  passMs?: (e: StepEvent, hardwareIndex: number, batchIndex: number) => number;
  /** number of hardware entries `h` cycles through */
  hardwareCount?: number;
  /** what `h` announces for entry i */
  hardwareName?: (i: number) => string;
  /** number of batches `b` cycles through */
  batchCount?: number;
  /** what `b` announces for entry i */
  batchName?: (i: number) => string;
  /** step pace: most steps one frame may take when it comes late (default 1; the live view catches up) */
  maxStepsPerFrame?: number;
  /** a finished lane's text judged (the run's judge: fluency under the AR model, repetition): shown as it completes */
  judge?: (last: StepEvent) => Promise<Quality | null>;
  /** step pace: stop catching up once this frame's passes took this many measured ms; time pace: stop decoding ahead
   *  for this frame after this many ms (live only: keys and frames must not wait; recordings decode all at once) */
  stepBudgetMs?: number;
}

export const SPEED_MIN = 1 / 16;
export const SPEED_MAX = 64;
const MESSAGE_MS = 2500;

function emptyLane(id: LaneId): LaneState {
  return {
    id,
    event: null,
    totals: EMPTY_TOTALS,
    bpfHistory: [],
    passes: [],
    whole: null,
    here: [],
    done: false,
    error: null,
    laneMs: 0,
    raceMs: null,
    quality: undefined,
  };
}

interface Cursor {
  gen: AsyncGenerator<StepEvent>;
  /** time pace: every pass pulled so far (the race is priced on all of them before it starts; `h` and `b` replay it) */
  log: StepEvent[];
  exhausted: boolean;
  /** the last pass pulled (its positions are the next pass's to share) */
  last?: StepEvent;
  /** time pace: the whole run, once every pass is pulled (Store.whole) */
  whole?: NonNullable<LaneState['whole']>;
}

/** A pass as measured here: the chart's local point */
const herePass = (e: StepEvent): HerePass => ({
  bytes: e.cost.bytes.total,
  flops: e.cost.flops.total,
  wallMs: e.wallMs,
});

const samePosition = (a: Position, b: Position): boolean =>
  a.state === b.state &&
  a.token === b.token &&
  a.text === b.text &&
  a.partial === b.partial &&
  a.step === b.step &&
  a.confidence === b.confidence &&
  a.guess === b.guess &&
  a.guessText === b.guessText;

/** The pass with every position equal to the previous pass's at that index replaced by that one (the same values):
 *  a decoder makes each pass's positions afresh, and a race keeps every pass, so without sharing its memory grows as
 *  passes × positions (an AR pass leaves all positions but its new one as they were). */
export function sharePositions(prev: StepEvent | undefined, e: StepEvent): StepEvent {
  if (!prev) return e;
  let shared = 0;
  const positions = e.positions.map((x, i) => {
    const y = prev.positions[i];
    if (y === undefined || !samePosition(x, y)) return x;
    shared++;
    return y;
  });
  return shared ? { ...e, positions } : e;
}

/** Time pace: the race as priced on one target: each lane's pass ends (ms) and the slowest lane's whole time. */
interface Race {
  ends: Record<LaneId, number[]>;
  slowestMs: number;
  hardwareIndex: number;
  batchIndex: number;
}

export class Store {
  private snap: Snapshot;
  private cursors!: Record<LaneId, Cursor>;
  private listeners = new Set<() => void>();
  private generation = 0;
  private busy: Promise<void> | null = null;
  private stepDue = 0;
  private singleSteps = 0;
  /** time pace: virtual lane-ms clock */
  private raceMs = 0;
  /** time pace: the race priced on the target shown (null while decoding ahead) */
  private race: Race | null = null;
  private finishedAt: number | null = null;
  /** screen ms while running (the --exit hold counts on it) */
  private clockMs = 0;
  /** screen ms, paused or not (messages expire on it) */
  private uptimeMs = 0;
  private messageAt = 0;
  /** the lanes, in display order */
  readonly ids: readonly LaneId[];

  constructor(
    private sources: LaneSources,
    private readonly opts: StoreOptions,
  ) {
    this.ids = Object.keys(sources);
    this.snap = this.initial(0);
    this.open();
  }

  private initial(version: number): Snapshot {
    return {
      version,
      lanes: Object.fromEntries(this.ids.map((id) => [id, emptyLane(id)])),
      pace: this.opts.pace,
      paused: this.snap?.paused ?? false,
      speed: this.snap?.speed ?? 1,
      delayMs: this.opts.delayMs,
      guesses: this.snap?.guesses ?? false,
      help: this.snap?.help ?? false,
      hardwareIndex: this.snap?.hardwareIndex ?? 0,
      batchIndex: this.snap?.batchIndex ?? 0,
      message: null,
      finished: false,
      exitNow: false,
      decodingAhead: this.opts.pace === 'time' ? 0 : null,
      slowestMs: null,
    };
  }

  private open(): void {
    this.cursors = Object.fromEntries(
      this.ids.map((id) => [id, { gen: this.sources[id]!(), log: [], exhausted: false }]),
    );
  }

  // --- reading -------------------------------------------------------------------------------------------

  getSnapshot = (): Snapshot => this.snap;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private publish(patch: Partial<Snapshot>): void {
    this.snap = { ...this.snap, ...patch, version: this.snap.version + 1 };
    for (const fn of this.listeners) fn();
  }

  // --- controls (keys) -----------------------------------------------------------------------------------

  togglePause(): void {
    this.publish({ paused: !this.snap.paused });
  }

  /** advance one pass (each lane under step pace; the next pass to finish under time pace), also while paused */
  stepOnce(): void {
    this.singleSteps += 1;
  }

  faster(): void {
    this.publish({ speed: Math.min(SPEED_MAX, this.snap.speed * 2) });
  }

  slower(): void {
    this.publish({ speed: Math.max(SPEED_MIN, this.snap.speed / 2) });
  }

  toggleGuesses(): void {
    this.publish({ guesses: !this.snap.guesses });
  }

  toggleHelp(): void {
    this.publish({ help: !this.snap.help });
  }

  cycleHardware(): void {
    const n = this.opts.hardwareCount ?? 0;
    if (n === 0) return this.say('no projection (--no-projection): nothing to cycle');
    if (n === 1) return this.say('one hardware target: --peak-tflops / --bandwidth fix it');
    const i = (this.snap.hardwareIndex + 1) % n;
    this.publish({ hardwareIndex: i });
    this.replay();
    this.say(`hardware ${i + 1}/${n}: ${this.opts.hardwareName?.(i) ?? ''}`);
  }

  cycleBatch(): void {
    const n = this.opts.batchCount ?? 0;
    if (n === 0) return this.say('no projection (--no-projection): no batch to change');
    const i = (this.snap.batchIndex + 1) % n;
    this.publish({ batchIndex: i });
    this.replay();
    this.say(this.opts.batchName?.(i) ?? `batch ${i + 1}/${n}`);
  }

  say(message: string): void {
    this.messageAt = this.uptimeMs;
    this.publish({ message });
  }

  /** start every lane again from fresh generators (keeps pause, speed, guesses); a pass in flight is discarded */
  restart(): void {
    this.generation += 1;
    const old = this.cursors;
    const inFlight = this.busy;
    void (async () => {
      await inFlight;
      for (const id of this.ids) await old[id].gen.return(undefined).catch(() => {});
    })();
    this.stepDue = 0;
    this.singleSteps = 0;
    this.raceMs = 0;
    this.race = null;
    this.finishedAt = null;
    this.clockMs = 0;
    this.errors = {};
    this.open();
    this.snap = this.initial(this.snap.version + 1);
    for (const fn of this.listeners) fn();
  }

  /** `r`: the race again. A timed race replays the passes it decoded (nothing changed that would change them, and
   *  decoding them again takes seconds); a pass-count race, which decodes as it goes, starts its lanes again. */
  again(): void {
    if (this.opts.pace === 'time' && this.race) this.replay();
    else this.restart();
  }

  /** restart on other streams (the same lanes, e.g. another --steps: the `s` key) */
  restartWith(sources: LaneSources): void {
    this.sources = sources;
    this.restart();
  }

  /** stop pulling and close the generators */
  async close(): Promise<void> {
    this.generation += 1;
    await this.busy;
    for (const id of this.ids) await this.cursors[id].gen.return(undefined).catch(() => {});
  }

  // --- the clock ---------------------------------------------------------------------------------------------

  /**
   * One frame: dt ms of screen time passed. Pulls at most one pass per lane, then publishes one snapshot.
   * Frames that arrive while the previous one is still pulling are dropped (the decoders block for tens of ms).
   */
  /** screen ms elapsed while running (recordings report their length with it) */
  get elapsedMs(): number {
    return this.clockMs;
  }

  frame(dtMs: number): Promise<void> {
    if (this.busy) return this.busy;
    this.busy = this.advance(dtMs).finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private lanesLive(): LaneId[] {
    return this.ids.filter((id) => !this.snap.lanes[id]!.done);
  }

  private async advance(dtMs: number): Promise<void> {
    const gen = this.generation;
    const s = this.snap;
    const patch: Partial<Snapshot> = {};
    const running = !s.paused;
    if (running) this.clockMs += dtMs;
    this.uptimeMs += dtMs;
    const clockMs = this.clockMs;
    if (s.message && this.uptimeMs - this.messageAt > MESSAGE_MS) patch.message = null;

    const single = this.singleSteps > 0;
    if (single) this.singleSteps -= 1;
    const lanes = { ...s.lanes };

    if (this.opts.pace === 'step') {
      const due = stepPace({
        dueMs: this.stepDue,
        dtMs,
        speed: s.speed,
        delayMs: this.opts.delayMs,
        running,
        single,
        maxSteps: this.opts.maxStepsPerFrame ?? 1,
      });
      this.stepDue = due.dueMs;
      const steps = due.steps;
      let spentMs = 0;
      for (let k = 0; k < steps; k++) {
        for (const id of this.ids.filter((x) => !lanes[x]!.done)) {
          const e = await this.pull(id);
          if (gen !== this.generation) return;
          lanes[id] = e ? this.show(lanes[id], e) : this.finish(lanes[id]);
          if (e) spentMs += e.wallMs;
        }
        // live view: passes that took long end the catching up (keys and frames must not wait for seconds)
        if (this.opts.stepBudgetMs !== undefined && spentMs >= this.opts.stepBudgetMs) break;
      }
      if (this.ids.every((id) => lanes[id]!.done)) this.stepDue = 0;
    } else if (!this.race) {
      // time pace, before the race: decode every lane to its end (within this frame's budget), then price the race
      const t0 = performance.now();
      const budget = this.opts.stepBudgetMs;
      while (this.ids.some((id) => !this.cursors[id].exhausted)) {
        for (const id of this.ids) {
          const c = this.cursors[id];
          if (c.exhausted) continue;
          const e = await this.pull(id);
          if (gen !== this.generation) return;
          if (e) c.log.push(e);
        }
        if (budget !== undefined && performance.now() - t0 >= budget) break;
      }
      const decoded = this.ids.reduce((n, id) => n + this.cursors[id].log.length, 0);
      if (this.ids.every((id) => this.cursors[id].exhausted)) {
        this.race = this.priceRace(s.hardwareIndex, s.batchIndex);
        this.raceMs = 0;
        patch.decodingAhead = null;
        patch.slowestMs = this.race.slowestMs;
        for (const id of this.ids)
          lanes[id] = { ...lanes[id], raceMs: this.race.ends[id]!.at(-1) ?? 0, whole: this.whole(id) };
      } else if (decoded !== s.decodingAhead) patch.decodingAhead = decoded;
    } else {
      // time pace, the race: one rate for the whole race (the slowest lane takes RACE_SCREEN_MS at ×1); every pass
      // whose end the clock reached shows, several in a frame where a lane's passes are cheap
      const race = this.race;
      const inc = raceIncrement(dtMs, s.speed, race.slowestMs, running);
      const next = raceStep(
        this.raceMs,
        this.ids.map((id) => ({ ends: race.ends[id]!, shown: lanes[id].passes.length })),
        inc,
        single,
      );
      this.raceMs = next.raceMs;
      this.ids.forEach((id, i) => {
        const c = this.cursors[id];
        let l = lanes[id];
        for (let k = l.passes.length; k < next.shown[i]!; k++) l = this.show(l, c.log[k]!);
        if (!l.done && l.passes.length >= c.log.length) l = this.finish(l);
        lanes[id] = l;
      });
    }

    // a lane that just finished: its text judged (once per text: a replayed race shows the same judgement)
    for (const id of this.ids) {
      const l = lanes[id];
      if (!l.done || l.quality !== undefined) continue;
      const q = await this.judged(l);
      if (gen !== this.generation) return;
      lanes[id] = { ...lanes[id], quality: q };
    }
    if (this.ids.some((id) => lanes[id] !== s.lanes[id])) patch.lanes = lanes;
    const finished = this.ids.every((id) => lanes[id]!.done);
    if (finished !== s.finished) patch.finished = finished;
    if (finished && this.finishedAt === null) this.finishedAt = clockMs;
    if (
      finished &&
      !s.exitNow &&
      this.opts.exitHoldMs !== null &&
      clockMs - (this.finishedAt ?? clockMs) >= this.opts.exitHoldMs
    )
      patch.exitNow = true;
    // publish only what changed: an unchanged snapshot costs the view nothing (no re-render)
    if (Object.keys(patch).length) this.publish(patch);
  }

  /** time pace: every lane's pass ends on hardware entry h at batch entry b (pacing.ts passEnds) */
  private priceRace(hardwareIndex: number, batchIndex: number): Race {
    const ends = Object.fromEntries(
      this.ids.map((id) => [id, passEnds(this.cursors[id].log.map((e) => this.passMs(e, hardwareIndex, batchIndex)))]),
    );
    const slowestMs = Math.max(0, ...this.ids.map((id) => ends[id]!.at(-1) ?? 0));
    return { ends, slowestMs, hardwareIndex, batchIndex };
  }

  /** time pace: a lane's whole run as decoded ahead: its passes (a StepEvent is a LanePass), the tokens they commit,
   *  how each measured here; made once per decode, so a replay's projections and chart extents stay memoised */
  private whole(id: LaneId): NonNullable<LaneState['whole']> {
    const c = this.cursors[id];
    return (c.whole ??= {
      passes: c.log,
      tokens: c.log.reduce(addPass, EMPTY_TOTALS).tokens,
      here: c.log.map(herePass),
    });
  }

  /** time pace: `h` or `b` changed the target: the race starts again from its first pass, priced on the new target
   *  (the passes decoded are kept: nothing is decoded again) */
  private replay(): void {
    if (this.opts.pace !== 'time' || !this.race) return;
    this.race = this.priceRace(this.snap.hardwareIndex, this.snap.batchIndex);
    this.raceMs = 0;
    this.finishedAt = null;
    this.clockMs = 0;
    const lanes = Object.fromEntries(
      this.ids.map((id) => {
        const l = emptyLane(id);
        return [id, { ...l, raceMs: this.race!.ends[id]!.at(-1) ?? 0, whole: this.whole(id) }];
      }),
    );
    this.publish({ lanes, finished: false, exitNow: false, slowestMs: this.race.slowestMs });
  }

  private judgements = new WeakMap<StepEvent, Quality | null>();

  private async judged(l: LaneState): Promise<Quality | null> {
    if (!l.event || l.error || !this.opts.judge) return null;
    if (this.judgements.has(l.event)) return this.judgements.get(l.event)!;
    const q = await this.opts.judge(l.event).catch(() => null);
    this.judgements.set(l.event, q);
    return q;
  }

  private passMs(e: StepEvent, hardwareIndex = this.snap.hardwareIndex, batchIndex = this.snap.batchIndex): number {
    return this.opts.passMs ? this.opts.passMs(e, hardwareIndex, batchIndex) : e.wallMs;
  }

  private async pull(id: LaneId): Promise<StepEvent | null> {
    const c = this.cursors[id];
    if (c.exhausted) return null;
    try {
      const r = await c.gen.next();
      if (r.done) {
        c.exhausted = true;
        return null;
      }
      c.last = sharePositions(c.last, r.value);
      return c.last;
    } catch (err) {
      c.exhausted = true;
      // shown in the live view and recordings: a message may quote outside input
      this.errors[id] = visible(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private errors: Partial<Record<LaneId, string>> = {};

  private show(l: LaneState, e: StepEvent): LaneState {
    return {
      ...l,
      event: e,
      totals: addPass(l.totals, e),
      bpfHistory: [...l.bpfHistory, e.cost.bytesPerFlop],
      passes: [...l.passes, { shape: e.shape, kind: e.kind }],
      here: [...l.here, herePass(e)],
      done: e.done,
      laneMs: l.laneMs + this.passMs(e),
    };
  }

  private finish(l: LaneState): LaneState {
    const error = this.errors[l.id] ?? null;
    delete this.errors[l.id];
    return { ...l, done: true, error };
  }
}
