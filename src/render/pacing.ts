// The store's two pacing algorithms as pure functions of the clock (render/store.ts pulls the passes they ask for).
// Step pace: every lane shows one pass per --delay of screen time, whatever the pass cost (a pass-count race). Time pace:
// a race on a virtual lane-ms clock, priced ahead: each pass shown when the clock passes its end, so a lane of cheap
// passes shows more of them and the lane that finishes first is the one fastest on the target.

/** Step pace: how many steps this frame takes, and the screen ms left owed. */
export interface StepDue {
  steps: number;
  /** screen ms accumulated toward the next step, at most one --delay */
  dueMs: number;
}

export interface StepPaceInput {
  /** screen ms owed before this frame */
  dueMs: number;
  dtMs: number;
  speed: number;
  delayMs: number;
  /** not paused: the clock runs */
  running: boolean;
  /** a single step (n) asked for: one step even while paused */
  single: boolean;
  /** most steps a late frame may catch up (the live view's; recordings 1) */
  maxSteps: number;
}

/** Steps due: one per --delay of screen time (dt·speed accumulates while running), up to maxSteps; a backlog beyond
 *  that is dropped (the owed time is capped at one --delay) so a slow frame catches up without slowing the run down. */
export function stepPace(o: StepPaceInput): StepDue {
  let due = o.running ? o.dueMs + o.dtMs * o.speed : o.dueMs;
  let steps = o.single ? 1 : 0;
  const most = Math.max(1, o.maxSteps);
  while (due >= o.delayMs && steps < most) {
    steps += 1;
    due -= o.delayMs;
  }
  return { steps, dueMs: Math.min(due, o.delayMs) };
}

/** Time pace: screen ms the slowest lane takes at speed ×1 (the race is scaled so that every lane's progress shows). */
export const RACE_SCREEN_MS = 20_000;

/** Time pace: lane-ms the race clock advances this frame while running, else 0. The race is priced before it starts
 *  (every pass decoded ahead), so one rate holds for the whole race: dt·speed·slowest / RACE_SCREEN_MS, the slowest
 *  lane's total projected ms spread over 20 s of screen; each lane then finishes on screen at
 *  RACE_SCREEN_MS·t_lane/t_slowest / speed, its share of the slowest lane's time. */
export function raceIncrement(dtMs: number, speed: number, slowestMs: number, running: boolean): number {
  return running ? (dtMs * speed * Math.max(0, slowestMs)) / RACE_SCREEN_MS : 0;
}

/** Cumulative ends of a lane's passes: ends[i] = pass ms 0..i summed (the race clock shows pass i once it reaches ends[i]). */
export function passEnds(passMs: readonly number[]): number[] {
  let t = 0;
  return passMs.map((ms) => (t += Math.max(0, ms)));
}

/** A lane in the race: the ends of all its passes, and how many of them are shown. */
export interface RaceLane {
  ends: readonly number[];
  shown: number;
}

/** The race clock after this frame, and how many passes each lane shows. */
export interface RaceStep {
  raceMs: number;
  shown: number[];
}

/**
 * Time pace, one frame: the clock advances by `inc` (a single step jumps it to the next pass end of any lane instead)
 * and every lane shows each pass whose end the clock has reached (several in one frame where its passes are cheap).
 * The clock stops at the last end (nothing is left to show).
 */
export function raceStep(raceMs: number, lanes: readonly RaceLane[], inc: number, single: boolean): RaceStep {
  const next = lanes.filter((l) => l.shown < l.ends.length).map((l) => l.ends[l.shown]!);
  let clock = single && next.length ? Math.max(raceMs, Math.min(...next)) : raceMs + inc;
  const last = Math.max(0, ...lanes.map((l) => l.ends[l.ends.length - 1] ?? 0));
  clock = Math.min(clock, last);
  // 1e-9: a pass ending exactly on the clock shows despite rounding
  const shown = lanes.map((l) => {
    let n = l.shown;
    while (n < l.ends.length && l.ends[n]! <= clock + 1e-9) n++;
    return n;
  });
  return { raceMs: clock, shown };
}
