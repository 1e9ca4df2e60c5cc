// Renders the ViT's character images with the OCR benchmark's fonts and skia (bench/ocr):
// 28 x 28 grayscale uint8, one of 36 characters (0-9, A-Z) per image, jittered in size,
// position, rotation, ink, blur and noise. Training and calibration use sans and mono fonts;
// the held-out set uses serif fonts only, so it is not a look-alike of what the model saw.
//   npx tsx scripts/render-transformer-images.ts   (then scripts/train-transformers.py vit)
// Writes out/transformers-images/ (not committed); the trainer copies calib/held-out sets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { fonts } from '../bench/ocr/assets.js';
import { addNoise } from '../bench/ocr/image.js';
import { sampleRng, type Rng } from '../bench/ocr/text.js';

const OUT = 'out/transformers-images';
const SIZE = 28;
const CLASSES = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const SETS = [
  { name: 'train', count: 12000, seed: 101, serif: false },
  { name: 'calib', count: 32, seed: 202, serif: false },
  { name: 'heldout', count: 2000, seed: 303, serif: true },
] as const;

/** Font families for a set: serif faces for held-out, the others for training/calibration. */
function families(serif: boolean): string[] {
  const { latin, cjk } = fonts();
  return [...latin, ...cjk].map((f) => f.family).filter((family) => /Serif/.test(family) === serif);
}

/** One character image: grayscale [SIZE * SIZE] uint8. */
function renderChar(rng: Rng, label: number, faces: readonly string[]): Uint8Array {
  const canvas = createCanvas(SIZE, SIZE);
  const ctx = canvas.getContext('2d');
  const paper = rng.uniform(170, 255);
  const ink = rng.uniform(0, Math.max(0, paper - 120));
  const [bg, fg] = rng.chance(0.15) ? [ink, paper] : [paper, ink];
  ctx.fillStyle = `rgb(${bg | 0},${bg | 0},${bg | 0})`;
  ctx.fillRect(0, 0, SIZE, SIZE);
  ctx.translate(SIZE / 2 + rng.uniform(-2, 2), SIZE / 2 + rng.uniform(-2, 2));
  ctx.rotate(rng.normal() * 0.08);
  ctx.font = `${rng.int(15, 25)}px ${rng.pick(faces)}`;
  ctx.fillStyle = `rgb(${fg | 0},${fg | 0},${fg | 0})`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (rng.chance(0.3)) ctx.filter = `blur(${rng.uniform(0.3, 0.8).toFixed(2)}px)`;
  ctx.fillText(CLASSES[label]!, 0, 0);
  const image = ctx.getImageData(0, 0, SIZE, SIZE);
  addNoise(image, rng.uniform(0, 10), rng);
  const gray = new Uint8Array(SIZE * SIZE);
  for (let i = 0; i < gray.length; i++) {
    const [r, g, b] = [image.data[4 * i]!, image.data[4 * i + 1]!, image.data[4 * i + 2]!];
    gray[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return gray;
}

/** A .npy (format 1.0) holding `data` as `descr` ('|u1') with `shape`. */
function npyBytes(data: Uint8Array, shape: readonly number[]): Buffer {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

mkdirSync(OUT, { recursive: true });
const fontsBySet: Record<string, string[]> = {};
for (const set of SETS) {
  const faces = families(set.serif);
  fontsBySet[set.name] = faces;
  const images = new Uint8Array(set.count * SIZE * SIZE);
  const labels = new Uint8Array(set.count);
  for (let i = 0; i < set.count; i++) {
    const rng = sampleRng(set.seed, i);
    labels[i] = i % CLASSES.length;
    images.set(renderChar(rng, labels[i]!, faces), i * SIZE * SIZE);
  }
  writeFileSync(join(OUT, `${set.name}-images.npy`), npyBytes(images, [set.count, SIZE, SIZE]));
  writeFileSync(join(OUT, `${set.name}-labels.npy`), npyBytes(labels, [set.count]));
  console.log(`${set.name}: ${set.count} images in ${faces.length} fonts`);
}
writeFileSync(
  join(OUT, 'meta.json'),
  JSON.stringify({ size: SIZE, classes: CLASSES, fonts: fontsBySet }, null, 1) + '\n',
);
