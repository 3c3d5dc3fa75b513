// Matmul and embedding ops whose gradients avoid the wasm backend's slow paths: tfjs autodiff computes matMul
// gradients with transpose flags (~12× slower on wasm than an explicit transpose) and gather's gradient needs
// UnsortedSegmentSum (missing on wasm). Forward results are identical to the plain ops.
import * as tf from '@tensorflow/tfjs-core';

const T2 = (x: tf.Tensor): tf.Tensor => tf.transpose(x);

/** y = x·W for x [N, in], W [in, out]; dx = dy·Wᵀ, dW = xᵀ·dy with explicit transposes. */
export const matmul2d = tf.customGrad((x, w, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, [xs, ws]) => [tf.matMul(dy as tf.Tensor2D, T2(ws) as tf.Tensor2D), tf.matMul(T2(xs) as tf.Tensor2D, dy as tf.Tensor2D)],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** Rows of table [V, d] at ids; the gradient is oneHot(ids)ᵀ·dy (a matmul, no UnsortedSegmentSum). */
export function embed(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: (dy, [i]) => tf.matMul(T2(tf.oneHot(i as tf.Tensor1D, table.shape[0], 1, 0, 'float32')) as tf.Tensor2D, dy as tf.Tensor2D),
    };
  }) as (t: tf.Tensor2D) => tf.Tensor2D;
  return f(table);
}

/** x·W + b over the last axis of x [..., in]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const y2 = matmul2d(tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D, w as tf.Tensor2D);
  const y = tf.reshape(y2, [...shape.slice(0, -1), w.shape[1]!]);
  return b ? tf.add(y, b) : y;
}
