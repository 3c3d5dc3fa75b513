// The one progress note on stderr (a terminal only) for waits over a second: loading the models, a recording,
// calibrate's measurements, sweep's runs. One line, never wider than the terminal, erased before any message.
import { NOTES } from './errors.js';

/** A one-line progress note on stderr (a terminal only) for waits over a second: what, and the seconds so far. */
export function progress(stderr: NodeJS.WriteStream, wanted: boolean, what: string) {
  const tty = wanted && Boolean(stderr.isTTY);
  const start = performance.now();
  let detail = '';
  let last = 0;
  let finished = false;
  const draw = () => {
    if (!tty) return;
    const text = `dlm-watch: ${what}… ${((performance.now() - start) / 1000).toFixed(1)} s${detail ? ` · ${detail}` : ''}`;
    // never wider than the terminal: a wrapped note leaves its first lines behind when the next draw clears one
    const cols = Math.max(1, (stderr.columns || 80) - 1);
    stderr.write(`\r\x1b[2K${[...text].slice(0, cols).join('')}`);
  };
  draw();
  const timer = tty ? setInterval(draw, 200) : null;
  // a message printed while the note is up (a signal's, an error's) starts on a clean line
  const erase = () => {
    if (tty && !finished) stderr.write('\r\x1b[2K');
  };
  if (tty) NOTES.add(erase);
  return {
    update(d: string) {
      detail = d;
      if (performance.now() - last > 200) {
        last = performance.now();
        draw();
      }
    },
    done() {
      if (timer) clearInterval(timer);
      erase();
      NOTES.delete(erase);
      finished = true;
    },
  };
}
