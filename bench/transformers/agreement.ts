// `npm run bench -- transformer-agreement`: how often each int4 algorithm's model keeps fp32's
// own answer (argmax of the logits) on the transformers' held-out sets, beside its accuracy as a
// ratio of fp32's: closeness to fp32 and the task metric can disagree where fp32 is often wrong
// (vit 58 %, gpt 30 %). Candidates built from all 32 calibration samples. Figures only.
import { runWeightsRecipe } from '../../src/ptq/quantize-weights.js';
import { collectWeightActivations } from '../../src/ptq/weight-activations.js';
import { candidateOptions, weightCandidates } from '../../src/ptq/weight-selection.js';
import { buildGraph, readModel } from '../../src/onnx/index.js';
import { findWeightTargets } from '../../src/passes/weight-only-targets.js';
import { createSession, type RuntimeTensor, type Session } from '../../src/runtime/onnxruntime.js';
import { printTable } from '../harness.js';
import { calibrationFeeds, metricOf, modelBytes, TRANSFORMERS } from './models.js';

/** Argmax of every row of the logits the model in `session` gives on `feeds`. */
async function answers(session: Session, feeds: readonly Record<string, RuntimeTensor>[]) {
  const out: number[] = [];
  for (const f of feeds) {
    const logits = (await session.run(f))['logits']!;
    const classes = logits.dims[logits.dims.length - 1]!;
    const x = logits.data as Float32Array;
    for (let r = 0; r < x.length; r += classes) {
      let best = 0;
      for (let j = 1; j < classes; j++) if (x[r + j]! > x[r + best]!) best = j;
      out.push(best);
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const rows: string[][] = [];
  const candidates = weightCandidates('asymmetric');
  for (const m of TRANSFORMERS) {
    const fp32 = modelBytes(m);
    const base = await metricOf(m, fp32);
    const calib = calibrationFeeds(m);
    const { targets } = findWeightTargets(buildGraph(readModel(fp32)));
    const statistics = await collectWeightActivations(
      fp32,
      new Map(targets.map((t) => [t.activation, t.k])),
      calib,
    );
    const feeds = m.heldOutFeeds();
    const reference = await createSession(fp32, { threads: 1 });
    const ref = await answers(reference, feeds);
    await reference.release();
    for (const c of candidates) {
      const bytes = runWeightsRecipe(fp32, {
        ...candidateOptions({ bits: 4 }, c),
        statistics,
      }).bytes;
      const session = await createSession(bytes, { threads: 1 });
      const got = await answers(session, feeds);
      await session.release();
      const same = got.filter((a, i) => a === ref[i]).length;
      const ratio = (await metricOf(m, bytes)) / base;
      rows.push([
        m.name,
        c.label,
        `${((100 * same) / ref.length).toFixed(2)} %`,
        `${ref.length - same}`,
        `${(100 * ratio).toFixed(1)} %`,
      ]);
    }
  }
  printTable(['model', 'algorithm', 'argmax = fp32', 'changed', 'metric % fp32'], rows);
}
