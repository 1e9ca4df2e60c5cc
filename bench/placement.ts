// `npm run bench -- placement [--quick]`: latency-aware placement on the models of the accuracy
// bench (CASES): the default static build against fp32 node by node (top offenders, and how much
// of the whole difference the per-node table explains), then latencyPlacement's rounds, and
// fp32 / default / placed side by side: latency over fp32 (one thread, interleaved, process CPU
// time), size, and accuracy with each model's own metric. Asserts nothing.
import { readFileSync } from 'node:fs';
import { latencyPlacement, measureLatency } from '../src/advise/latency-placement.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import type { NodeComparison } from '../src/hardware/index.js';
import { readModel, writeModel } from '../src/onnx/index.js';
import { planQuantization } from '../src/passes/index.js';
import { buildQuantized, calibrate, modelInputs, prepareModel } from '../src/ptq/index.js';
import { CASES } from './accuracy.js';
import { printTable } from './harness.js';
import { ortRunner } from './ocr/ort.js';

/** The explained share, or '-' where the whole difference is under 5 % (noise on this machine). */
function explainedText(c: NodeComparison): string {
  return Math.abs(c.differenceMs) < 0.05 * c.aMs ? '-' : `${(c.explained * 100).toFixed(0)}%`;
}

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--model='))?.slice('--model='.length);
  const runs = quick ? 15 : 30;
  const rows: string[][] = [];
  for (const c of CASES) {
    if (only !== undefined && !c.bench.name.includes(only)) continue;
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const inputs = modelInputs(readModel(fp32));
    const { model, graph } = prepareModel(fp32, 13);
    const prepared = writeModel(model);
    // Every node output is calibrated: a float fallback anywhere needs its neighbours' ranges.
    const outputs = graph.nodes.flatMap((n) => n.output).filter((o) => o !== '');
    const plan = planQuantization(graph, {});
    const tensors = [...new Set([...plan.calibrate, ...outputs])];
    const calibration = await calibrate(
      prepared,
      tensors,
      readCalibrationData(c.calib, inputs, {}),
      {
        method: 'histogram',
        means: plan.channelMeans,
      },
    );
    const source = { calibration, method: 'percentile' as const };
    const start = buildQuantized(prepared, {}, source);
    const data = new Float32Array(c.latencyShape.reduce((a, b) => a * b, 1)).map((_, i) =>
      Math.sin(i),
    );
    const feeds = [{ [inputs[0]!.name]: { type: 'float32' as const, dims: c.latencyShape, data } }];
    const placed = await latencyPlacement({
      prepared,
      options: {},
      source,
      feeds,
      runs,
      onRound: (r) =>
        console.log(
          `${c.bench.name} round ${r.index}: +${r.added.length} float (${r.added.slice(0, 6).join(', ')}` +
            `${r.added.length > 6 ? ', ...' : ''}) -> ${r.ratio.toFixed(2)}x fp32, ` +
            `${r.againstBest.toFixed(3)}x best: ${r.kept ? 'kept' : 'reverted'}`,
        ),
    });
    const cmp = placed.start.comparison;
    console.log(
      `${c.bench.name}: default int8 vs fp32 per node: whole ${cmp.aMs.toFixed(2)} -> ` +
        `${cmp.bMs.toFixed(2)} ms, difference ${cmp.differenceMs.toFixed(3)} ms, the table ` +
        `explains ${cmp.explainedMs.toFixed(3)} ms (${(cmp.explained * 100).toFixed(0)}%)`,
    );
    printTable(
      ['node', 'op', 'fp32 ms', 'int8 ms', 'delta', 'share', 'boundary'],
      cmp.rows
        .slice(0, 6)
        .map((r) => [
          r.node,
          r.op,
          r.aMs.toFixed(3),
          r.bMs.toFixed(3),
          r.deltaMs.toFixed(3),
          `${(r.share * 100).toFixed(0)}%`,
          r.bBoundaryMs.toFixed(3),
        ]),
    );
    const count = quick ? Math.ceil(c.evalCount / 4) : c.evalCount;
    const score = async (bytes: Uint8Array) =>
      (await c.bench.evaluate(await ortRunner(bytes), count)).value;
    const placedPlan = buildQuantized(prepared, placed.options, source).plan;
    const final = await measureLatency(fp32, [start, { bytes: placed.bytes, plan: placedPlan }], {
      feeds,
      runs,
    });
    const base = await score(fp32);
    for (const [label, bytes, i, extra] of [
      ['default', start.bytes, 0, ''],
      ['placed', placed.bytes, 1, `float ${placed.float.length}`],
    ] as const) {
      const value = await score(bytes);
      rows.push([
        `${c.bench.name} ${label}`,
        `${((value / base) * 100).toFixed(1)}%`,
        `${(fp32.length / bytes.length).toFixed(2)}x`,
        final.measures[i]!.fp32Ms.toFixed(2),
        final.measures[i]!.ms.toFixed(2),
        `${final.measures[i]!.ratio.toFixed(2)}x`,
        explainedText(final.measures[i]!.comparison),
        extra,
      ]);
    }
  }
  printTable(
    ['model', '% of fp32', 'smaller', 'fp32 ms', 'int8 ms', 'vs fp32', 'explained', 'placement'],
    rows,
  );
  console.log(
    `\nlatency: onnxruntime-node, 1 thread, median of ${runs} interleaved rounds (process CPU ` +
      'time); explained: the share of the whole difference the per-node table accounts for ' +
      "(-: a difference under 5 % of fp32's latency, within this machine's noise)",
  );
}
