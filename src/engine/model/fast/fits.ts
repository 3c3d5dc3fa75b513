// Which model widths the fast kernels run, told without loading them or tfjs: lanes.ts prices a pass on
// `--hardware local` by where it runs (a pass the kernels cannot run goes through tfjs and pays its dispatch).

/** The widths a model's products and heads have (a GPTConfig or a ModelShape). */
interface Widths {
  d: number;
  mlp: number;
  heads: number;
  vocab: number;
}

/** The one-token step and the fast sessions (kernels.wat) work in whole v128 columns: the width, MLP width and head
 *  width must be multiples of 4. */
export function stepWidthsFit(c: Widths): boolean {
  return c.d % 4 === 0 && c.mlp % 4 === 0 && (c.d / c.heads) % 4 === 0;
}

/** The multi-row pass (gemm.wat) multiplies in panels of 8 columns: the width, MLP width, vocabulary and head width
 *  must be multiples of 8. */
export function passWidthsFit(c: Widths): boolean {
  return c.d % 8 === 0 && c.mlp % 8 === 0 && c.vocab % 8 === 0 && (c.d / c.heads) % 8 === 0;
}
