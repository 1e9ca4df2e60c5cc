// The wake-word accuracy benchmark: openWakeWord's embedding model (the conv net zeropoint
// quantizes), calibrated on data/wakeword/calib and scored by detection on the held-out clips
// of data/wakeword/eval, with fp32 melspectrogram and fp32 hey_jarvis / alexa / hey_mycroft
// classifiers around it. Not the data's synthesis (scripts/render-wakeword-data.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/cli/io/npy.js';
import type { OcrMetric, RunSession, Tensor } from '../ocr/index.js';
import { ortRunner } from '../ocr/ort.js';
import {
  embeddings,
  wakewordAsset,
  wakewordScores,
  windowsWithin,
  MEL_BINS,
  WAKE_WORDS,
  type WakeWord,
} from './features.js';

/** Seeds of the committed calibration and evaluation clips. */
export const CALIBRATION_SEED = 1;
export const EVALUATION_SEED = 2;
/** Seconds of openWakeWord's start-up noise (int16 uniform in [-1000, 1000)) before each clip. */
export const LEAD_SECONDS = 1.5;
/** A clip is a detection of a wake word when that word's classifier scores above this. */
export const THRESHOLD = 0.5;
/** Where the committed data lives. */
export const DATA_DIR = 'data/wakeword';

/** One held-out clip of eval/labels.json: its mel file, the wake word said (null: none), how. */
export interface ClipLabel {
  readonly file: string;
  readonly label: WakeWord | null;
  readonly text: string;
  readonly voice: string;
  readonly rate: number;
  readonly pitch: number;
  readonly peak: number;
  readonly snrDb: number;
  /** Seed of the clip's background noise and placement. */
  readonly noiseSeed: number;
}

/** The benchmark of the wake-word embedding model, shaped as the OCR benches are. */
export interface WakewordBench {
  readonly name: 'openwakeword-embedding';
  readonly modelPath: string;
  /** The committed calibration windows, one [n, 76, 32, 1] feed per .npy file, `count` files at most. */
  calibrationInputs(count: number): Tensor[][];
  /** Detection scores of the first `count` held-out clips with the embedding model behind `run`. */
  evaluate(run: RunSession, count: number): Promise<OcrMetric>;
}

/** `rows` after `lead` (mel frames or embeddings), as a stream that starts with the lead sees them. */
export function withLead(lead: Float32Array, rows: Float32Array): Float32Array {
  const out = new Float32Array(lead.length + rows.length);
  out.set(lead);
  out.set(rows, lead.length);
  return out;
}

/** The held-out clips' labels and the lead's mel frames. */
export function evalSet(): { clips: readonly ClipLabel[]; lead: Float32Array } {
  const dir = join(DATA_DIR, 'eval');
  const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as {
    lead: string;
    clips: ClipLabel[];
  };
  return { clips: labels.clips, lead: readMel(join(dir, labels.lead)) };
}

function readMel(path: string): Float32Array {
  const { shape, data } = parseNpy(readFileSync(path), path);
  if (shape.length !== 2 || shape[1] !== MEL_BINS) {
    throw new Error(`${path} has shape [${shape.join(', ')}], not [frames, ${MEL_BINS}]`);
  }
  return data;
}

/** Every classifier window's score, per clip and wake word (in WAKE_WORDS order). */
type ClipScores = Float32Array[][];

let classifiers: Promise<RunSession[]> | undefined;
let reference: { count: number; scores: Promise<ClipScores> } | undefined;

async function scoreClips(run: RunSession, count: number): Promise<ClipScores> {
  classifiers ??= Promise.all(WAKE_WORDS.map((w) => ortRunner(wakewordAsset(w.file))));
  const runs = await classifiers;
  const { clips, lead } = evalSet();
  if (count > clips.length) throw new Error(`only ${clips.length} held-out clips, asked ${count}`);
  // Windows wholly inside the lead are the same for every clip: embed them once.
  const shared = windowsWithin(lead.length / MEL_BINS);
  const leadEmbeddings = await embeddings(run, lead);
  const out: ClipScores = [];
  for (const clip of clips.slice(0, count)) {
    const mel = withLead(lead, readMel(join(DATA_DIR, 'eval', clip.file)));
    const emb = withLead(leadEmbeddings, await embeddings(run, mel, shared));
    const scores: Float32Array[] = [];
    for (const [k, w] of WAKE_WORDS.entries()) {
      scores.push(await wakewordScores(runs[k]!, w.input, emb));
    }
    out.push(scores);
  }
  return out;
}

const wakewordModelPath = wakewordAsset('embedding_model.onnx');

/** The fp32 embedding model's scores on the first `count` clips, computed once per count. */
function fp32Scores(count: number): Promise<ClipScores> {
  if (reference?.count !== count) {
    const scores = ortRunner(wakewordModelPath).then((run) => scoreClips(run, count));
    reference = { count, scores };
  }
  return reference.scores;
}

const peak = (scores: Float32Array): number => Math.max(...scores);

/** Per wake word: accuracy and F1 of "peak score > THRESHOLD" against the clips' labels. */
function detection(scores: ClipScores, clips: readonly ClipLabel[]): Record<string, number> {
  const details: Record<string, number> = {};
  for (const [k, w] of WAKE_WORDS.entries()) {
    const counts = { tp: 0, fp: 0, fn: 0, correct: 0 };
    scores.forEach((clip, c) => {
      const detected = peak(clip[k]!) > THRESHOLD;
      const truth = clips[c]!.label === w.word;
      if (detected === truth) counts.correct++;
      if (detected && truth) counts.tp++;
      else if (detected) counts.fp++;
      else if (truth) counts.fn++;
    });
    const { tp, fp, fn, correct } = counts;
    details[`${w.word} accuracy`] = correct / scores.length;
    details[`${w.word} F1`] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return details;
}

/** How far `scores` are from `base`: over every classifier window, and over each clip's peak. */
function drift(scores: ClipScores, base: ClipScores): Record<string, number> {
  let sum = 0;
  let max = 0;
  let windows = 0;
  let peakSum = 0;
  scores.forEach((clip, c) =>
    clip.forEach((a, k) => {
      const b = base[c]![k]!;
      a.forEach((x, t) => {
        const d = Math.abs(x - b[t]!);
        sum += d;
        max = Math.max(max, d);
        windows++;
      });
      peakSum += Math.abs(peak(a) - peak(b));
    }),
  );
  return {
    'mean |score - fp32|': sum / windows,
    'max |score - fp32|': max,
    'mean |peak - fp32 peak|': peakSum / (scores.length * WAKE_WORDS.length),
  };
}

/** openWakeWord's embedding model: mean detection accuracy of the three wake words. */
export const wakewordBench: WakewordBench = {
  name: 'openwakeword-embedding',
  modelPath: wakewordModelPath,
  calibrationInputs(count) {
    const dir = join(DATA_DIR, 'calib');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.npy'))
      .sort()
      .slice(0, count);
    return files.map((f) => {
      const { shape, data } = parseNpy(readFileSync(join(dir, f)), f);
      return [{ name: 'input_1', data, dims: shape }];
    });
  },
  async evaluate(run, count) {
    const scores = await scoreClips(run, count);
    const details = {
      ...detection(scores, evalSet().clips),
      ...drift(scores, await fp32Scores(count)),
    };
    const accuracies = WAKE_WORDS.map((w) => details[`${w.word} accuracy`]!);
    const value = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    return { metric: 'detection accuracy', value, count, details };
  },
};
