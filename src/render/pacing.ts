// The store's two pacing algorithms as pure functions of the clock (render/store.ts pulls the passes they ask for).
// Step pace: every lane shows one pass per --delay of screen time, whatever the pass cost. Time pace: a race on a
// virtual lane-ms clock, each pass shown when the clock passes its end, so a lane of cheap passes shows more of them.

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

/** Time pace: lane-ms the race clock advances this frame: dt·speed·(reference ms) / delay while running, else 0 (one
 *  --delay of screen time stands for one reference pass). */
export function raceIncrement(
  dtMs: number,
  speed: number,
  referenceMs: number,
  delayMs: number,
  running: boolean,
): number {
  return running ? (dtMs * speed * referenceMs) / delayMs : 0;
}

/** Lane-ms one --delay stands for: the reference lane's mean pass so far, before that the cheapest pass waiting to be
 *  shown, else 1 ms (never below 1e-6: the clock must move). */
export function referenceMs(referencePasses: readonly number[], waiting: readonly number[]): number {
  if (referencePasses.length)
    return Math.max(1e-6, referencePasses.reduce((a, b) => a + b, 0) / referencePasses.length);
  return waiting.length ? Math.max(1e-6, Math.min(...waiting)) : 1;
}

/** A running lane in the race: where it stands and how long its pending pass lasts (null: none pending). */
export interface RaceLane {
  laneMs: number;
  pendingMs: number | null;
}

/** The race clock after this frame, and which lanes show their pending pass. */
export interface RaceStep {
  raceMs: number;
  show: boolean[];
}

/**
 * Time pace, one frame: the clock advances by `inc` (a single step jumps it to the first pending pass's end instead);
 * a lane shows its pending pass once the clock reaches that pass's end; and the clock never runs past the furthest
 * end any lane could show plus `inc` (a long blocking pull would otherwise leave it far ahead, the lanes catching up
 * at one pass per frame).
 */
export function raceStep(raceMs: number, lanes: readonly RaceLane[], inc: number, single: boolean): RaceStep {
  const ends = lanes.filter((l) => l.pendingMs !== null).map((l) => l.laneMs + l.pendingMs!);
  let clock = single && ends.length ? Math.max(raceMs, Math.min(...ends)) : raceMs + inc;
  // 1e-9: a pass ending exactly on the clock shows despite rounding
  const show = lanes.map((l) => l.pendingMs !== null && l.laneMs + l.pendingMs <= clock + 1e-9);
  const horizon = lanes.map((l) => l.laneMs + (l.pendingMs ?? 0));
  if (horizon.length) clock = Math.min(clock, Math.max(...horizon) + inc);
  return { raceMs: clock, show };
}
