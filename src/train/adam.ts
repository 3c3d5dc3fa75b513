// Adam with decoupled weight decay (AdamW), written out so its state can be checkpointed and resumed exactly.
import * as tf from '@tensorflow/tfjs-core';

export class AdamW {
  readonly m: Map<string, tf.Variable> = new Map();
  readonly v: Map<string, tf.Variable> = new Map();
  step = 0;

  constructor(private readonly params: Map<string, tf.Variable>, readonly beta1 = 0.9, readonly beta2 = 0.95, readonly eps = 1e-8) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update; weight decay only on matrices (not biases, norms). Gradients are clipped to a global norm first. */
  apply(grads: Record<string, tf.Tensor>, lr: number, weightDecay: number, clip = 1): number {
    this.step++;
    const b1 = this.beta1, b2 = this.beta2;
    const c1 = 1 - b1 ** this.step, c2 = 1 - b2 ** this.step;
    const norm = tf.tidy(() => Math.sqrt(Object.values(grads).reduce((s, g) => s + (tf.sum(tf.square(g)).dataSync()[0] as number), 0)));
    const scale = norm > clip ? clip / norm : 1;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = tf.mul(grads[name], scale);
        const m = this.m.get(name)!, v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        const decayed = p.shape.length > 1 && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(upd, lr)));
      }
    });
    return norm;
  }
}
