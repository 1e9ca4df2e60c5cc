// Pass on a QDQ graph (after insert-qdq): a quantized Conv reading 3 channels (an RGB image)
// gets a 4th channel of its input's zero point and zero weights, so it computes the same
// integers. onnxruntime's x86 QLinearConv with 3 input channels ran PP-OCRv4's first conv
// (640x640, 16 outputs, 3x3 stride 2) at 4.8 ms, with 4 channels 2.4 ms (fp32: 1.1 ms); 8 read
// the same as 4 and 16 slower. Not depthwise padding (pad-depthwise.ts), not float convs.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrInt, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import { dropIfUnused } from './conv-affine.js';

/** One Conv whose input channels the pass padded. */
export interface InputChannelPad {
  readonly node: string;
  readonly channels: number;
  readonly padded: number;
}

/** Input channel counts the pass pads, and to what (measured for 3 only). */
const PADDED: ReadonlyMap<number, number> = new Map([[3, 4]]);

/** The DequantizeLinear feeding input `index` of `node` alone, if that is what feeds it. */
function soleDequantize(graph: Graph, node: NodeProto, index: number): NodeProto | undefined {
  const dq = graph.producer(node.input[index] ?? '');
  if (dq?.opType !== 'DequantizeLinear' || dq.domain !== '') return undefined;
  const out = dq.output[0] ?? '';
  return graph.consumers(out).length === 1 && !graph.isGraphOutput(out) ? dq : undefined;
}

/**
 * Pads the input channels of every quantized Conv (group 1, int8 or uint8 weights dequantized
 * per output channel or per tensor, per-tensor 8-bit input) that reads 3 of them to 4: a Pad of the
 * input's integers with its zero point, and weights grown with their zero point, so each new
 * product is (zp - zp) x (w - zw) = 0.
 */
export function padInputChannels(graph: Graph): InputChannelPad[] {
  const done: InputChannelPad[] = [];
  for (const conv of [...graph.nodes]) {
    if (conv.opType !== 'Conv' || conv.domain !== '' || attrInt(conv, 'group', 1) !== 1) continue;
    const dqx = soleDequantize(graph, conv, 0);
    const dqw = soleDequantize(graph, conv, 1);
    // The stored dims first: decoding every conv's weights would cost each build its weights.
    const dims = dqw && graph.initializer(dqw.input[0] ?? '')?.dims;
    if (dqx === undefined || dqw === undefined || dims?.length !== 4) continue;
    if (!PADDED.has(Number(dims[1]))) continue;
    const weight = graph.constantValue(dqw.input[0]!);
    if (weight === undefined) continue;
    if (weight.dtype !== 'int8' && weight.dtype !== 'uint8') continue;
    const [outputs, channels] = weight.shape;
    const padded = PADDED.get(channels ?? 0);
    const zeroPoint = graph.constantValue(dqw.input[2] ?? '');
    const perAxis = (zeroPoint?.data.length ?? 1) > 1 || (weightScaleCount(graph, dqw) ?? 2) > 1;
    if (padded === undefined || weight.shape.length !== 4 || outputs === undefined) continue;
    if (perAxis && attrInt(dqw, 'axis', 1) !== 0) continue;
    if ((graph.constantValue(dqx.input[1] ?? '')?.data.length ?? 0) !== 1) continue;
    // onnxruntime's Pad has uint8 and int8 kernels, not 16-bit or 4-bit ones.
    const inputType = graph.constantValue(dqx.input[2] ?? '')?.dtype ?? 'uint8';
    if (inputType !== 'int8' && inputType !== 'uint8') continue;
    const inner = weight.shape[2]! * weight.shape[3]!;
    const size = outputs * padded * inner;
    const data = weight.dtype === 'int8' ? new Int8Array(size) : new Uint8Array(size);
    for (let o = 0; o < outputs; o++) {
      const fill = Number(zeroPoint?.data[zeroPoint.data.length > 1 ? o : 0] ?? 0);
      data.fill(fill, o * padded * inner, (o + 1) * padded * inner);
      const from = weight.data.subarray(o * channels! * inner, (o + 1) * channels! * inner);
      data.set(from, o * padded * inner);
    }
    const old = dqw.input[0]!;
    const name = graph.uniqueName(`${old}_channels${padded}`);
    const shape = [outputs, padded, weight.shape[2]!, weight.shape[3]!];
    graph.addInitializer(tensorToProto({ name, dtype: weight.dtype, shape, data }));
    graph.setInput(dqw, 0, name);
    dropIfUnused(graph, old);
    padIntegers(graph, dqx, padded - channels!);
    done.push({ node: nodeLabel(conv), channels: channels!, padded });
  }
  return done;
}

/** How many scales a DequantizeLinear reads (undefined when they are not a constant). */
function weightScaleCount(graph: Graph, dq: NodeProto): number | undefined {
  return graph.constantValue(dq.input[1] ?? '')?.data.length;
}

// Pad-13: pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...], constant_value of the input's
// type (the zero point; absent: 0, a uint8 or int8 DequantizeLinear's default zero point).
function padIntegers(graph: Graph, dq: NodeProto, extra: number): void {
  const integers = dq.input[0]!;
  const padded = graph.uniqueName(`${integers}_channels`);
  const pads = graph.uniqueName(`${padded}_pads`);
  const values = [0, 0, 0, 0, 0, extra, 0, 0];
  graph.addInitializer(tensorToProto({ name: pads, dtype: 'int64', shape: [8], data: values }));
  const inputs = [integers, pads, ...((dq.input[2] ?? '') === '' ? [] : [dq.input[2]!])];
  graph.addNode(makeNode({ opType: 'Pad', inputs, outputs: [padded], name: padded }));
  graph.setInput(dq, 0, padded);
}
