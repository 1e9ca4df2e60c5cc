// Mono 16-bit PCM audio for the wake-word benchmark's data: WAV parsing, windowed-sinc
// resampling to 16 kHz, gain and background noise at a chosen SNR. Samples are float32 in the
// int16 range, as openWakeWord's melspectrogram model takes them. Not a general audio library:
// one channel, PCM16 in, no file output.
import type { Rng } from '../ocr/text.js';

/** openWakeWord's sample rate. */
export const SAMPLE_RATE = 16000;

/** Mono samples in the int16 range and their rate. */
export interface Audio {
  readonly sampleRate: number;
  readonly samples: Float32Array;
}

/**
 * Parses a mono PCM16 RIFF/WAVE file; a data chunk whose length overruns the file (espeak-ng
 * writing to a pipe leaves it unset) is read to the end of the bytes.
 */
export function parseWav(bytes: Uint8Array): Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let sampleRate = 0;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      const format = view.getUint16(at + 8, true);
      const channels = view.getUint16(at + 10, true);
      const bits = view.getUint16(at + 22, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(`expected mono PCM16, got format ${format}, ${channels} ch, ${bits} bit`);
      }
      sampleRate = view.getUint32(at + 12, true);
    } else if (id === 'data') {
      if (sampleRate === 0) throw new Error('data chunk before fmt chunk');
      const end = Math.min(bytes.length, at + 8 + size);
      const count = Math.floor((end - at - 8) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(at + 8 + 2 * i, true);
      return { sampleRate, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/**
 * Resamples with a Hann-windowed sinc, 16 zero crossings each side, cut off at the lower
 * rate's Nyquist frequency (so downsampling does not alias).
 */
export function resample(audio: Audio, rate: number): Audio {
  if (audio.sampleRate === rate) return audio;
  const x = audio.samples;
  const step = audio.sampleRate / rate;
  const cutoff = Math.min(1, rate / audio.sampleRate);
  const half = Math.ceil(16 / cutoff);
  const out = new Float32Array(Math.floor(x.length / step));
  for (let j = 0; j < out.length; j++) {
    const t = j * step;
    const centre = Math.floor(t);
    let sum = 0;
    for (let i = Math.max(0, centre - half + 1); i <= Math.min(x.length - 1, centre + half); i++) {
      const d = t - i;
      const u = cutoff * d;
      const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
      sum += x[i]! * cutoff * sinc * window;
    }
    out[j] = sum;
  }
  return { sampleRate: rate, samples: out };
}

/** Root mean square of `x`. */
export function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** `length` samples (rounded) of background noise: a random mix of white and brown, unit RMS. */
export function noise(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(Math.round(length));
  const brownShare = rng.uniform(0, 1);
  let brown = 0;
  for (let i = 0; i < out.length; i++) {
    brown = 0.98 * brown + rng.normal() * 0.2;
    out[i] = (1 - brownShare) * rng.normal() + brownShare * brown * 2;
  }
  const r = rms(out);
  return out.map((v) => v / r);
}

/**
 * Places `speech` at sample `offset` of a clip of `length` samples, scales it to `peak` (int16
 * units) and adds background noise `snrDb` below the speech's RMS; clips at the int16 range.
 */
export function mix(
  speech: Float32Array,
  length: number,
  offset: number,
  peak: number,
  snrDb: number,
  rng: Rng,
): Float32Array {
  let max = 0;
  for (const v of speech) max = Math.max(max, Math.abs(v));
  const gain = max > 0 ? peak / max : 0;
  const out = new Float32Array(length);
  for (let i = 0; i < speech.length && offset + i < length; i++) {
    if (offset + i >= 0) out[offset + i] = speech[i]! * gain;
  }
  const level = Math.max(rms(speech) * gain, peak / 8) * 10 ** (-snrDb / 20);
  const background = noise(length, rng);
  for (let i = 0; i < length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]! + background[i]! * level)));
  }
  return out;
}

/** The span of `x` louder than `threshold` of its peak, as [start, end) sample indices. */
export function voicedSpan(x: Float32Array, threshold = 0.02): [number, number] {
  let max = 0;
  for (const v of x) max = Math.max(max, Math.abs(v));
  let start = 0;
  let end = x.length;
  while (start < end && Math.abs(x[start]!) < max * threshold) start++;
  while (end > start && Math.abs(x[end - 1]!) < max * threshold) end--;
  return [start, end];
}
