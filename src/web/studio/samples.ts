// The page's side of calibration samples: sorts the chosen files into one kind (.npy files, .npz
// archives, JSON / JSONL samples, or images) ordered as the CLI orders a folder, reads the image preprocessing fields the
// CLI's image flags have (--size, --mean, --std, --scale, --layout, --channels) and says how many
// samples of what size to expect, for the memory estimate. Decoding happens in the worker.
import { fail } from '../../core/errors.js';
import type { InputFacts, SampleFiles, StudioImageOptions } from './protocol.js';

/** Image extensions the studio decodes (createImageBitmap's formats). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.avif'];

const byName = new Intl.Collator('en', { numeric: true }).compare;

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/** Sorts `files` into one kind of samples; fails naming what was given when none fits. */
export function sampleFiles(files: readonly File[], image?: StudioImageOptions): SampleFiles {
  const sorted = [...files].sort((a, b) => byName(pathOf(a), pathOf(b)));
  const npz = sorted.filter((f) => extension(f.name) === '.npz');
  const npy = sorted.filter((f) => extension(f.name) === '.npy');
  const json = sorted.filter((f) => ['.json', '.jsonl'].includes(extension(f.name)));
  const images = sorted.filter((f) => IMAGE_EXTENSIONS.includes(extension(f.name)));
  if (json.length > 0) return { kind: 'json', files: json };
  if (npz.length > 0) return { kind: 'npz', files: npz };
  if (npy.length > 0) return { kind: 'npy', files: npy };
  if (images.length > 0) return { kind: 'images', files: images, ...(image ? { image } : {}) };
  fail(
    'bad-calibration-data',
    `no .npy, .npz, .json, .jsonl or image files among ${files.length} file(s) (${files
      .slice(0, 3)
      .map((f) => f.name)
      .join(', ')})`,
  );
}

function pathOf(file: File): string {
  return file.webkitRelativePath === '' ? file.name : file.webkitRelativePath;
}

function numbers(text: string, field: string): number[] | undefined {
  if (text.trim() === '') return undefined;
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) fail('bad-argument', `${field} takes numbers a,b,c`);
  return values;
}

/** The image fields as typed in the form, checked as the CLI checks its flags. */
export function imageOptions(fields: Readonly<Record<string, string>>): StudioImageOptions {
  const sizeText = (fields.size ?? '').trim();
  const size = sizeText === '' ? undefined : sizeText.split('x').map(Number);
  if (
    size !== undefined &&
    (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1))
  ) {
    fail('bad-argument', `size takes HxW, e.g. 224x224; got "${sizeText}"`);
  }
  const mean = numbers(fields.mean ?? '', 'mean');
  const std = numbers(fields.std ?? '', 'std');
  const scaleText = (fields.scale ?? '').trim();
  const scale = scaleText === '' ? undefined : Number(scaleText);
  if (scale !== undefined && !Number.isFinite(scale))
    fail('bad-argument', `scale must be a number`);
  const layout = fields.layout;
  const channels = fields.channels;
  return {
    ...(size === undefined ? {} : { size: [size[0]!, size[1]!] as const }),
    ...(mean === undefined ? {} : { mean }),
    ...(std === undefined ? {} : { std }),
    ...(scale === undefined ? {} : { scale }),
    ...(layout === 'NCHW' || layout === 'NHWC' ? { layout } : {}),
    ...(channels === 'RGB' || channels === 'BGR' ? { channels } : {}),
  };
}

/** Samples and bytes per sample to expect, before decoding anything (for the memory estimate). */
export function sampleShape(
  samples: SampleFiles,
  input: InputFacts | undefined,
): { samples: number; sampleBytes: number } {
  const dims = input?.dims ?? null;
  const staticInner =
    dims !== null && dims.slice(1).every((d) => d !== null)
      ? (dims.slice(1) as number[]).reduce((a, b) => a * b, 1) * 4
      : undefined;
  const largest = Math.max(...samples.files.map((f) => f.size));
  if (samples.kind === 'images') {
    const [h, w] = samples.image?.size ?? [dims?.[2] ?? 224, dims?.[3] ?? 224];
    return {
      samples: samples.files.length,
      sampleBytes: staticInner ?? 3 * (h ?? 224) * (w ?? 224) * 4,
    };
  }
  if (samples.kind === 'npy')
    return { samples: samples.files.length, sampleBytes: staticInner ?? largest };
  if (samples.kind === 'json') {
    // Text takes more bytes than the arrays it holds: one sample per file bounds the memory.
    return { samples: samples.files.length, sampleBytes: largest };
  }
  const sampleBytes = staticInner ?? largest;
  // An .npz is compressed or not; its stored size over one sample's size bounds the count.
  return { samples: Math.max(1, Math.round(largest / sampleBytes)), sampleBytes };
}
