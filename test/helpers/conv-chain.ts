// A tiny convolutional model for the advisor's tests: x f32 [N, 3, 8, 8] -> Conv -> Relu ->
// Conv -> Relu -> Conv -> GlobalAveragePool -> y [N, 4, 1, 1]. Three Conv layers that quantize,
// the Relus fold into them, and seeded inputs to calibrate and evaluate on. Test-only.
import { attr } from '../../src/onnx/graph-node.js';
import { gaussian } from '../../src/observers/test-data.js';
import type { Feeds } from '../../src/ptq/index.js';
import { GraphBuilder } from './graph-builder.js';

/** The model's bytes (opset 13); layers are named Conv_0, Conv_2 and Conv_4. */
export function convChain(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 3, 8, 8]);
  const pads = [attr.ints('pads', [1, 1, 1, 1])];
  let t = x;
  let channels = 3;
  for (let layer = 0; layer < 3; layer++) {
    const w = b.initializer(
      `w${layer}`,
      'float32',
      [4, channels, 3, 3],
      gaussian(4 * channels * 9, 40 + layer, 0.3),
    );
    const bias = b.initializer(`b${layer}`, 'float32', [4], gaussian(4, 50 + layer, 0.1));
    t = b.op('Conv', [t, w, bias], pads);
    if (layer < 2) t = b.op('Relu', [t]);
    channels = 4;
  }
  const y = b.op('GlobalAveragePool', [t]);
  b.output(y, 'float32', ['N', 4, 1, 1]);
  return b.bytes({ opset: 13 });
}

/** `count` single-sample batches of seeded gaussian inputs, seed `seed` onwards. */
export function convInputs(count: number, seed: number): Feeds[] {
  return Array.from({ length: count }, (_, i) => ({
    x: { type: 'float32', dims: [1, 3, 8, 8], data: gaussian(192, seed + i) },
  }));
}
