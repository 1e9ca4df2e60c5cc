// Embedding tables block-quantized for Gather (passes/weight-only-gather.ts), run in onnxruntime:
// both forms (blocked DequantizeLinear, GatherBlockQuantized) give exactly the rows RTN's blocks
// dequantize to, negative ids included; what each form cannot take stays float, with a reason.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './helpers/graph-builder.js';
import { dequantize } from '../src/core/index.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph, readModel, verifyGraph, writeModel } from '../src/onnx/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { blockQuantize, type BlockSpec } from '../src/passes/weight-only-blocks.js';
import { quantizeGathers, type GatherForm } from '../src/passes/weight-only-gather.js';

const [ROWS, WIDTH] = [12, 48];
const table = Float32Array.from(
  { length: ROWS * WIDTH },
  (_, i) => Math.sin(0.7 * i) * (1 + (i % 5)),
);
const ids = BigInt64Array.of(3n, 0n, 11n, -1n, 2n, 5n);

/** ids int64 [2, 3] -> Gather(table [ROWS, width], axis) -> y; opset 21. */
function model(width = WIDTH, axis = 0): { bytes: Uint8Array; data: Float32Array } {
  const b = new GraphBuilder();
  const x = b.input('ids', 'int64', [2, 3]);
  const data = table.slice(0, ROWS * width);
  const t = b.initializer('table', 'float32', [ROWS, width], data);
  b.output(b.op('Gather', [t, x], [attr.int('axis', axis)]), 'float32', [2, 3, width]);
  return { bytes: b.bytes({ opset: 21 }), data };
}

/** The rows `ids` pick from the table as RTN's blocks dequantize them. */
function expected(data: Float32Array, width: number, spec: BlockSpec): number[] {
  const q = blockQuantize(data, ROWS, width, spec, 'table');
  const rows = dequantize(q.codes, [ROWS, width], q.params);
  return Array.from(ids).flatMap((i) => {
    const r = Number(i < 0n ? BigInt(ROWS) + i : i);
    return Array.from(rows.subarray(r * width, (r + 1) * width));
  });
}

async function run(bytes: Uint8Array): Promise<number[]> {
  const session = await createSession(bytes, { threads: 1 });
  const out = await session.run({ ids: { type: 'int64', dims: [2, 3], data: ids } });
  await session.release();
  return Array.from(Object.values(out)[0]!.data as Float32Array);
}

function quantized(bytes: Uint8Array, spec: BlockSpec, form: GatherForm) {
  const m = readModel(bytes);
  const graph = buildGraph(m);
  const result = quantizeGathers(graph, spec, form);
  verifyGraph(graph);
  return { ...result, bytes: writeModel(m), graph };
}

describe('quantizeGathers', () => {
  const specs: BlockSpec[] = [
    { bits: 4, scheme: 'asymmetric', blockSize: 16 },
    { bits: 4, scheme: 'symmetric', blockSize: 16 },
    { bits: 8, scheme: 'symmetric', blockSize: 16 },
  ];
  for (const form of ['qdq', 'matmulnbits'] as const) {
    for (const spec of specs) {
      it(`${form}, ${spec.scheme} int${spec.bits}: onnxruntime's rows = the blocks dequantized`, async () => {
        const { bytes, data } = model();
        const q = quantized(bytes, spec, form);
        expect(q.done.map((d) => d.weight)).toEqual(['table']);
        expect(q.graph.constant('table')).toBeUndefined();
        const ops = q.graph.nodes.map((n) => n.opType);
        expect(ops).toContain(form === 'qdq' ? 'DequantizeLinear' : 'GatherBlockQuantized');
        expect(await run(q.bytes)).toEqual(expected(data, WIDTH, spec));
      });
    }
  }

  it('a width that is not whole blocks: partial last block in qdq, left float for GatherBlockQuantized', async () => {
    const spec: BlockSpec = { bits: 4, scheme: 'asymmetric', blockSize: 32 };
    const { bytes, data } = model(40);
    const qdq = quantized(bytes, spec, 'qdq');
    expect(await run(qdq.bytes)).toEqual(expected(data, 40, spec));
    const nbits = quantized(bytes, spec, 'matmulnbits');
    expect(nbits.done).toEqual([]);
    expect(nbits.skipped[0]?.reason).toMatch(/width 40 is not a multiple of the block 32/);
    expect(await run(nbits.bytes)).toEqual(await run(bytes));
  });

  it('a Gather along axis 1 is skipped with its reason', () => {
    const q = quantized(model(WIDTH, 1).bytes, specs[0]!, 'qdq');
    expect(q.done).toEqual([]);
    expect(q.skipped).toEqual([
      { node: expect.any(String) as string, opType: 'Gather', reason: 'axis 1, not 0' },
    ]);
  });
});
