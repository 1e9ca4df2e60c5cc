// Writes the committed wake-word data under data/wakeword/: speech synthesized here with
// espeak-ng (apt-get install espeak-ng), mixed with seeded noise and gain, run through the fp32
// openWakeWord melspectrogram model. calib/ holds embedding-model inputs, eval/ held-out clips.
//   npx tsx scripts/render-wakeword-data.ts
// Nothing is downloaded; tests and benchmarks read the .npy files and never need espeak-ng.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeNpy } from '../src/cli/io/npy.js';
import { ortRunner } from '../bench/ocr/ort.js';
import { createRng, sampleRng, type Rng } from '../bench/ocr/text.js';
import {
  mix,
  noise,
  parseWav,
  resample,
  SAMPLE_RATE,
  voicedSpan,
} from '../bench/wakeword/audio.js';
import {
  embeddingWindows,
  melFeatures,
  MEL_BINS,
  WINDOW_FRAMES,
  WINDOW_STEP,
  wakewordAsset,
  type WakeWord,
} from '../bench/wakeword/features.js';
import {
  CALIBRATION_SEED,
  EVALUATION_SEED,
  LEAD_SECONDS,
  withLead,
  type ClipLabel,
} from '../bench/wakeword/index.js';

const OUT = 'data/wakeword';
/** Eval clips per wake word, speech negatives, noise-only negatives; calibration clips, windows. */
const EVAL_POSITIVES = 48;
const EVAL_SPEECH_NEGATIVES = 80;
const EVAL_NOISE = 16;
const CALIB_CLIPS = 24;
const CALIB_WINDOWS_PER_FILE = 16;

/** Texts per wake word: espeak-ng says "mycroft" as "mick-roft", so it is spelt as heard. */
const POSITIVES: Readonly<Record<WakeWord, readonly string[]>> = {
  hey_jarvis: ['hey jarvis', 'hey, jarvis', 'hey jarvis.'],
  alexa: ['alexa', 'uh lexa', 'uh lexa,'],
  hey_mycroft: ['hey my croft', 'hey my croft.', 'hey my croft,'],
};
const NEGATIVES = [
  'hello there',
  'what time is it',
  'turn on the lights',
  'play some music',
  'good morning everyone',
  'how is the weather today',
  'set a timer for ten minutes',
  'hey travis',
  'hey marvin',
  'alexander',
  'a lexicon',
  'my craft is woodwork',
  'hey mike',
  'jarvis cocker',
  'the car is parked outside',
  'please call my sister',
  'open the window',
  'thank you very much',
  'are you there',
  'see you tomorrow',
];
/**
 * espeak-ng voices: British ("en"; "en-gb+variant" ignores the variant), received pronunciation
 * and American, each with the variants the fp32 detectors recognise (most of espeak-ng's
 * other variants, and its Caribbean and Scottish accents, trigger them rarely at all).
 */
const VARIANTS = ['Alex', 'Hugo', 'Mario', 'Mike', 'm1', 'm5', 'm6', 'm7', 'max', 'quincy'];
const VOICES = [
  ...['en', 'en-gb-x-rp'].flatMap((v) =>
    [...VARIANTS, 'sandro', 'victor', 'adam', 'Annie', 'f3'].map((x) => `${v}+${x}`),
  ),
  ...['Alex', 'quincy', 'sandro', 'klatt3'].map((x) => `en-us+${x}`),
];

/** What one clip says and how it sounds: its label without the file. */
type ClipSpec = Omit<ClipLabel, 'file'>;

function spec(rng: Rng, label: WakeWord | null, text: string): ClipSpec {
  return {
    label,
    text,
    voice: rng.pick(VOICES),
    rate: rng.int(120, 190),
    pitch: rng.int(25, 75),
    peak: Math.round(32767 * 10 ** (-rng.uniform(3, 18) / 20)),
    snrDb: Math.round(rng.uniform(10, 30)),
    noiseSeed: rng.int(0, 2 ** 31 - 1),
  };
}

/** Clip specs of the set `seed`, positives and negatives interleaved so that every prefix is balanced. */
function specs(seed: number, positives: number, speechNegatives: number, noiseOnly: number) {
  const words = Object.keys(POSITIVES) as WakeWord[];
  const pos = Array.from({ length: positives * 3 }, (_, i) => words[i % 3]!);
  const negatives = speechNegatives + noiseOnly;
  const every = negatives / Math.max(1, noiseOnly);
  const neg = Array.from({ length: negatives }, (_, i) => i % every < 1);
  const out: ClipSpec[] = [];
  for (let i = 0, p = 0, n = 0; p + n < pos.length + neg.length; i++) {
    const rng = sampleRng(seed, i);
    if (n >= neg.length || (p < pos.length && p / pos.length <= n / neg.length)) {
      const word = pos[p++]!;
      out.push(spec(rng, word, rng.pick(POSITIVES[word])));
    } else {
      out.push(spec(rng, null, neg[n++] === true ? '' : rng.pick(NEGATIVES)));
    }
  }
  return out;
}

/** espeak-ng's rendering of the clip's text at 16 kHz, trimmed to where it is voiced. */
function speak(clip: ClipSpec): Float32Array {
  const args = ['-v', clip.voice, '-s', `${clip.rate}`, '-p', `${clip.pitch}`, '--stdout'];
  const wav = execFileSync('espeak-ng', [...args, clip.text]);
  const audio = resample(parseWav(new Uint8Array(wav)), SAMPLE_RATE).samples;
  return audio.slice(...voicedSpan(audio));
}

/** The clip's audio: 0.1-0.4 s of background, the speech, 0.2-0.5 s of background. */
function render(clip: ClipSpec): Float32Array {
  const rng = createRng(clip.noiseSeed);
  const speech = clip.text === '' ? noise(SAMPLE_RATE * rng.uniform(0.5, 1), rng) : speak(clip);
  const lead = Math.round(SAMPLE_RATE * rng.uniform(0.1, 0.4));
  const tail = Math.round(SAMPLE_RATE * rng.uniform(0.2, 0.5));
  return mix(speech, lead + speech.length + tail, lead, clip.peak, clip.snrDb, rng);
}

const name = (i: number): string => `${String(i).padStart(3, '0')}.npy`;

const mel = await ortRunner(wakewordAsset('melspectrogram.onnx'));
for (const d of ['calib', 'eval']) {
  rmSync(join(OUT, d), { recursive: true, force: true });
  mkdirSync(join(OUT, d), { recursive: true });
}

// openWakeWord starts its feature buffer from uniform int16 noise in [-1000, 1000): the lead.
const leadRng = sampleRng(0, 0);
const leadAudio = new Float32Array(Math.round(SAMPLE_RATE * LEAD_SECONDS)).map(() =>
  leadRng.int(-1000, 999),
);
const lead = await melFeatures(mel, leadAudio);
writeFileSync(join(OUT, 'eval/lead.npy'), serializeNpy(lead, [lead.length / MEL_BINS, MEL_BINS]));

const evalSpecs = specs(EVALUATION_SEED, EVAL_POSITIVES, EVAL_SPEECH_NEGATIVES, EVAL_NOISE);
const clips: ClipLabel[] = [];
for (const [i, clip] of evalSpecs.entries()) {
  const features = await melFeatures(mel, render(clip));
  writeFileSync(
    join(OUT, 'eval', name(i)),
    serializeNpy(features, [features.length / MEL_BINS, MEL_BINS]),
  );
  clips.push({ file: name(i), ...clip });
}
writeFileSync(
  join(OUT, 'eval/labels.json'),
  JSON.stringify({ seed: EVALUATION_SEED, lead: 'lead.npy', clips }, null, 1) + '\n',
);

// Calibration: windows the embedding model sees in a stream, from other clips (another seed).
const calibSpecs = specs(CALIBRATION_SEED, CALIB_CLIPS / 6, CALIB_CLIPS / 3, CALIB_CLIPS / 6);
const size = WINDOW_FRAMES * MEL_BINS;
const picked: Float32Array[] = [];
// Two distinct windows of each clip, each at least half over the clip, as a stream shows them.
const first = Math.ceil((lead.length / MEL_BINS - WINDOW_FRAMES / 2) / WINDOW_STEP);
for (const clip of calibSpecs) {
  const rng = createRng(clip.noiseSeed + 1);
  const windows = embeddingWindows(withLead(lead, await melFeatures(mel, render(clip))));
  const n = windows.dims[0]!;
  const a = rng.int(first, n - 1);
  const b = (a - first + rng.int(1, n - 1 - first)) % (n - first);
  for (const w of [a, first + b]) picked.push(windows.data.slice(w * size, (w + 1) * size));
}
for (let f = 0; f * CALIB_WINDOWS_PER_FILE < picked.length; f++) {
  const batch = picked.slice(f * CALIB_WINDOWS_PER_FILE, (f + 1) * CALIB_WINDOWS_PER_FILE);
  const data = new Float32Array(batch.length * size);
  batch.forEach((w, k) => data.set(w, k * size));
  const file = join(OUT, 'calib', name(f));
  writeFileSync(file, serializeNpy(data, [batch.length, WINDOW_FRAMES, MEL_BINS, 1]));
}
console.log(`wrote ${clips.length} eval clips and ${picked.length} calibration windows`);
