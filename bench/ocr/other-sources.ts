// The recognizer's harder held-out set: text lines from OTHER sources than calibration and the
// project's evaluation set. Text: the zh_CN translations (and their English originals) in the
// system's gettext catalogs (/usr/share/locale/zh_CN/LC_MESSAGES/*.mo); fonts: Liberation,
// WenQuanYi Micro Hei, AR PL UKai and UMing (Debian packages, never used in calibration); the
// same renderer (render.ts). Deterministic for a given set of installed catalogs and fonts.
// Not the project's look-alike set (index.ts) and not scoring (rec.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import type { FontFace } from './assets.js';
import { evaluateLines, type OcrMetric, type RunSession } from './index.js';
import { recClasses } from './rec.js';
import { renderLine, type LineSource, type TextLine } from './render.js';
import { hasCjk, sampleRng, type Rng } from './text.js';

const CATALOGS = '/usr/share/locale/zh_CN/LC_MESSAGES';
const LATIN_FONTS = [
  'liberation/LiberationSans-Regular.ttf',
  'liberation/LiberationSans-Bold.ttf',
  'liberation/LiberationSans-Italic.ttf',
  'liberation/LiberationSerif-Regular.ttf',
  'liberation/LiberationSerif-Bold.ttf',
  'liberation/LiberationSerif-Italic.ttf',
  'liberation/LiberationSansNarrow-Regular.ttf',
  'liberation/LiberationMono-Regular.ttf',
];
const CJK_FONTS = ['wqy/wqy-microhei.ttc', 'arphic/ukai.ttc', 'arphic/uming.ttc'];
const FONT_ROOT = '/usr/share/fonts/truetype';
const INSTALL =
  'apt-get install fonts-liberation fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming';

/** Each message of a gettext .mo catalog as [original, translation] (GNU gettext's format). */
export function readCatalog(bytes: Uint8Array): [string, string][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0x950412de;
  if (!little && view.getUint32(0, false) !== 0x950412de) return [];
  const u32 = (at: number) => view.getUint32(at, little);
  const count = u32(8);
  const originals = u32(12);
  const translations = u32(16);
  const utf8 = new TextDecoder('utf-8');
  const text = (table: number, i: number) => {
    const length = u32(table + 8 * i);
    const offset = u32(table + 8 * i + 4);
    return utf8.decode(bytes.subarray(offset, offset + length));
  };
  return Array.from({ length: count }, (_, i) => [text(originals, i), text(translations, i)]);
}

/** Pieces of a message fit for one line: no format codes or markup, only dictionary characters. */
function linesOf(message: string, known: ReadonlySet<string>): string[] {
  return message
    .replace(/%[-+ #0-9.*]*[a-zA-Z]|%\([a-z_]+\)[a-z]|\{[^}]*\}|<[^>]*>|\\[a-z]|_(?=\w)/g, ' ')
    .split(/[\n\0\t]|[。；;]\s*/)
    .map((piece) =>
      [...piece]
        .filter((c) => known.has(c))
        .join('')
        .replace(/ +/g, ' ')
        .trim(),
    )
    .filter((line) => [...line].length >= 3 && [...line].length <= 24);
}

let corpus: { zh: string[]; en: string[] } | undefined;

/** The catalogs' distinct Chinese and English lines, in a fixed order. */
export function catalogLines(): { readonly zh: readonly string[]; readonly en: readonly string[] } {
  if (corpus !== undefined) return corpus;
  if (!existsSync(CATALOGS)) throw new Error(`no zh_CN gettext catalogs in ${CATALOGS}`);
  const known = new Set(recClasses().filter((c) => c.length > 0));
  const zh = new Set<string>();
  const en = new Set<string>();
  for (const file of readdirSync(CATALOGS)
    .filter((f) => f.endsWith('.mo'))
    .sort()) {
    for (const [original, translated] of readCatalog(readFileSync(join(CATALOGS, file)))) {
      if (original === '') continue; // the header
      for (const line of linesOf(translated, known)) if (hasCjk(line)) zh.add(line);
      for (const line of linesOf(original.split('\0')[0]!, known)) if (!hasCjk(line)) en.add(line);
    }
  }
  corpus = { zh: [...zh].sort(), en: [...en].sort() };
  return corpus;
}

let faces: { latin: FontFace[]; cjk: FontFace[] } | undefined;

function otherFonts(): { latin: readonly FontFace[]; cjk: readonly FontFace[] } {
  if (faces !== undefined) return faces;
  const register = (file: string, cjk: boolean): FontFace => {
    const path = join(FONT_ROOT, file);
    // A family name CSS can parse (a '/' or '.' in it makes ctx.font fall back to 10px sans).
    const family = `zp-other-${file.replace(/^.*\/|\.tt[fc]$/g, '')}`;
    if (!existsSync(path) || GlobalFonts.registerFromPath(path, family) === null)
      throw new Error(`font ${path} is missing: ${INSTALL}`);
    return { family, cjk };
  };
  faces = {
    latin: LATIN_FONTS.map((f) => register(f, false)),
    cjk: CJK_FONTS.map((f) => register(f, true)),
  };
  return faces;
}

/** Text from the catalogs (about 65 % Chinese, as the project's set), fonts from otherFonts. */
export const OTHER_SOURCES: LineSource = {
  text(rng: Rng): string {
    const { zh, en } = catalogLines();
    return rng.chance(0.65) ? rng.pick(zh) : rng.pick(en);
  },
  font(rng: Rng, text: string): FontFace {
    const { latin, cjk } = otherFonts();
    return hasCjk(text) || rng.chance(0.25) ? rng.pick(cjk) : rng.pick(latin);
  },
};

/** `count` lines of the other-sources set `seed`. */
export function renderOtherLines(count: number, seed: number): TextLine[] {
  return Array.from({ length: count }, (_, i) => renderLine(sampleRng(seed, i), OTHER_SOURCES));
}

/** The recognizer's scores on `count` other-sources lines of `seed` (any seed: none calibrates). */
export function evaluateOtherSources(run: RunSession, count: number, seed = 1): Promise<OcrMetric> {
  return evaluateLines(run, renderOtherLines(count, seed));
}
