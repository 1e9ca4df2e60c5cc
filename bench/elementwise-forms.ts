// `npm run bench -- elementwise-forms [--blocks=16] [--runs=20]`: what an element-wise chain on
// uint8 codes costs in onnxruntime in each form it could take, at the PP-OCRv4 recognizer's
// hard-swish shapes: the QDQ chain the builder writes (QLinearAdd + QLinearMul), a 256-entry
// table as Cast + Gather or Cast + GatherElements, onnxruntime's own table kernel (behind
// QLinearLeakyRelu, a fixed function: the floor a table could reach) and DQ -> HardSwish -> Q.
// Each model is `blocks` forms in series, uint8 -> uint8, so the one output copy is amortised;
// per block = (model - identity model) / blocks. One thread, CPU time, interleaved. Asserts nothing.
import { loadavg } from 'node:os';
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema } from '../src/onnx/gen/onnx_pb.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import { writeModel } from '../src/onnx/index.js';
import { compareLatency } from '../src/hardware/model-latency.js';
import { numberFlag, printTable } from './harness.js';

/** Three of the recognizer's 28 hard-swish input shapes (a 1 x 3 x 48 x 320 line). */
const SHAPES: readonly (readonly number[])[] = [
  [1, 64, 24, 160],
  [1, 240, 12, 80],
  [1, 480, 3, 80],
];

type Block = (b: ModelBuilder, x: string, k: number) => string;

function qparams(b: ModelBuilder, name: string, scale: number, zeroPoint: number) {
  return [
    b.initializer(`${name}_scale`, 'float32', [], [scale]),
    b.initializer(`${name}_zp`, 'uint8', [], [zeroPoint]),
  ] as const;
}

/** x * clip(x + 3, 0, 6) as the builder writes it: the clamp folded into the +3's range. */
const qdqChain: Block = (b, x, k) => {
  const [sx, zx] = qparams(b, `x${k}`, 0.05, 120);
  const xd = b.op('DequantizeLinear', [x, sx, zx]);
  const [s3, z3] = qparams(b, `three${k}`, 3 / 255, 0);
  const three = b.op('DequantizeLinear', [b.initializer(`c${k}`, 'uint8', [], [255]), s3, z3]);
  const [sa, za] = qparams(b, `a${k}`, 6 / 255, 0);
  const a = b.op('QuantizeLinear', [b.op('Add', [xd, three]), sa, za]);
  const product = b.op('Mul', [xd, b.op('DequantizeLinear', [a, sa, za])]);
  return b.op('QuantizeLinear', [product, sx, zx]);
};

const TABLE = Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 255);

const castGather: Block = (b, x, k) => {
  const table = b.initializer(`table${k}`, 'uint8', [256], TABLE);
  const index = b.op('Cast', [x], [attr.int('to', 6)]);
  return b.op('Gather', [table, index], [attr.int('axis', 0)]);
};

function castGatherElements(shape: readonly number[]): Block {
  const n = shape.reduce((a, d) => a * d, 1);
  return (b, x, k) => {
    const table = b.initializer(`table${k}`, 'uint8', [256], TABLE);
    const flat = b.op('Reshape', [x, b.initializer(`flat${k}`, 'int64', [1], [n])]);
    const index = b.op('Cast', [flat], [attr.int('to', 6)]);
    const looked = b.op('GatherElements', [table, index], [attr.int('axis', 0)]);
    return b.op('Reshape', [looked, b.initializer(`back${k}`, 'int64', [shape.length], shape)]);
  };
}

/** com.microsoft QLinearLeakyRelu: onnxruntime's 256-entry table kernel (the domain is set later). */
const ortTable: Block = (b, x, k) => {
  const [s, z] = qparams(b, `x${k}`, 0.05, 120);
  return b.op('QLinearLeakyRelu', [x, s, z, s, z], [attr.float('alpha', 0.1)]);
};

const floatHardSwish: Block = (b, x, k) => {
  const [s, z] = qparams(b, `x${k}`, 0.05, 120);
  const y = b.op('HardSwish', [b.op('DequantizeLinear', [x, s, z])]);
  return b.op('QuantizeLinear', [y, s, z]);
};

const identity: Block = (b, x) => b.op('Identity', [x]);

function seriesModel(shape: readonly number[], block: Block, blocks: number): Uint8Array {
  const b = new ModelBuilder('elementwise-forms');
  let x = b.input('x', 'uint8', shape);
  for (let k = 0; k < blocks; k++) x = block(b, x, k);
  b.output(x, 'uint8', shape);
  const model = b.model(14);
  if (model.graph!.node.some((n) => n.opType === 'QLinearLeakyRelu')) {
    for (const n of model.graph!.node)
      if (n.opType === 'QLinearLeakyRelu') n.domain = 'com.microsoft';
    model.opsetImport.push(
      create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }),
    );
  }
  return writeModel(model);
}

export async function run(): Promise<void> {
  const blocks = numberFlag('blocks', 16);
  const runs = numberFlag('runs', 20);
  const forms: [string, (shape: readonly number[]) => Block][] = [
    ['identity (baseline)', () => identity],
    ['QDQ chain: QLinearAdd + QLinearMul', () => qdqChain],
    ['Cast + Gather (table)', () => castGather],
    ['Cast + GatherElements (table)', castGatherElements],
    ['onnxruntime table kernel (fixed fn)', () => ortTable],
    ['DQ -> HardSwish -> Q (float)', () => floatHardSwish],
  ];
  console.log(`load ${loadavg()[0]!.toFixed(1)}; ${blocks} blocks in series, 1 thread, CPU time`);
  for (const shape of SHAPES) {
    const n = shape.reduce((a, d) => a * d, 1);
    const models = forms.map(([, form]) => seriesModel(shape, form(shape), blocks));
    const data = new Uint8Array(n).map((_, i) => (i * 2654435761) >>> 24);
    const feeds = { x: { type: 'uint8' as const, data, dims: [...shape] } };
    const r = await compareLatency(models, feeds, { runs });
    const chain = (r.medianMs[1]! - r.medianMs[0]!) / blocks;
    console.log(`\n${shape.join('x')} (${n} values)`);
    printTable(
      ['form', 'ms/block', 'ns/value', 'x QDQ chain'],
      forms.slice(1).map(([name], i) => {
        const per = (r.medianMs[i + 1]! - r.medianMs[0]!) / blocks;
        return [name, per.toFixed(4), ((per / n) * 1e6).toFixed(3), (per / chain).toFixed(2)];
      }),
    );
  }
}
