import sharp from 'sharp';
import { seededRandom } from './onnx-parts.js';

/**
 * Synthetic text-line images for OCR-shaped tests: dark text on a light background, rendered by sharp (librsvg)
 * from an SVG in DejaVu Sans, upright or rotated 180°. A seed varies the details (position, grey levels, a faint
 * tint, weight) so that samples differ the way scanned lines do.
 */

export interface TextImageOptions {
  /** The text of the line (keep it short: it is shrunk to fit the width). */
  text: string;
  /** Image width in pixels (default 192, the PP-OCR classifier's input width). */
  width?: number;
  /** Image height in pixels (default 48, the PP-OCR classifier's input height). */
  height?: number;
  /** Font size in pixels (default 30); reduced when the text would not fit. */
  fontSize?: number;
  /** Rotate the finished image by 180° (default false): exactly the upright image turned upside down. */
  rotate180?: boolean;
  /** Seed of the small variations; without one the image is plain: centred black text on white. */
  seed?: number;
}

/** The font the images are drawn in; `fc-list` must know it (see `fontsAvailable`). */
export const TEXT_IMAGE_FONT = 'DejaVu Sans';
/** Blank space kept around the ink, as a fraction of the image height. */
const MARGIN = 0.12;
/** Font size of the measuring render. */
const MEASURE_SIZE = 100;

interface TextStyle { ink: string; paper: string; weight: 'normal' | 'bold'; dx: number; dy: number }

const PLAIN: TextStyle = { ink: 'rgb(0,0,0)', paper: 'rgb(255,255,255)', weight: 'normal', dx: 0, dy: 0 };

/** Seeded variations: ink 0–60 and paper 205–250 grey, each channel nudged a little (a tint), 1 in 3 bold, jitter. */
function textStyle(seed: number | undefined): TextStyle {
  if (seed === undefined) return PLAIN;
  const random = seededRandom(seed);
  const grey = (base: number, spread: number) => base + random() * spread;
  const colour = (level: number) => `rgb(${[0, 1, 2].map(() => Math.round(Math.min(255, Math.max(0, level + (random() - 0.5) * 12)))).join(',')})`;
  return {
    ink: colour(grey(0, 60)), paper: colour(grey(205, 45)), weight: random() < 1 / 3 ? 'bold' : 'normal',
    dx: random() * 2 - 1, dy: random() * 2 - 1,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textSvg(parts: { width: number; height: number; text: string; fontSize: number; x: number; y: number; style: TextStyle; background: boolean }): Buffer {
  const { width, height, text, fontSize, x, y, style, background } = parts;
  const rect = background ? `<rect width="${width}" height="${height}" fill="${style.paper}"/>` : '';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rect}` +
    `<text x="${x.toFixed(2)}" y="${y.toFixed(2)}" font-family="${TEXT_IMAGE_FONT}" font-size="${fontSize.toFixed(2)}" ` +
    `font-weight="${style.weight}" fill="${style.ink}" xml:space="preserve">${escapeXml(text)}</text></svg>`,
  );
}

/** The ink box of `text` at `MEASURE_SIZE`, relative to the text origin (x = 0 on the baseline); null without ink. */
async function measureInk(text: string, style: TextStyle): Promise<{ left: number; top: number; width: number; height: number } | null> {
  const width = Math.ceil(MEASURE_SIZE * (text.length + 2));
  const height = MEASURE_SIZE * 2;
  const origin = { x: MEASURE_SIZE / 2, y: MEASURE_SIZE * 1.4 };
  const svg = textSvg({ width, height, text, fontSize: MEASURE_SIZE, ...origin, style: { ...style, ink: 'rgb(0,0,0)' }, background: false });
  try {
    const { info } = await sharp(svg).trim({ background: { r: 0, g: 0, b: 0, alpha: 0 }, threshold: 1 }).toBuffer({ resolveWithObject: true });
    return {
      left: -(info.trimOffsetLeft ?? 0) - origin.x, top: -(info.trimOffsetTop ?? 0) - origin.y,
      width: info.width, height: info.height,
    };
  } catch {
    return null; // nothing drawn: no usable font
  }
}

/**
 * A PNG (RGB, 8-bit) of one line of dark text on a light background, the ink centred (plus a seeded jitter of a
 * few pixels) and shrunk to fit inside a margin of 12 % of the height. With `rotate180` the PNG is the upright
 * one (same seed) turned by 180°, pixel for pixel.
 *
 * @example const png = await renderTextImage({ text: 'TOTAL 37.50', seed: 3 }); // 192 × 48
 */
export async function renderTextImage(options: TextImageOptions): Promise<Uint8Array> {
  const { text, width = 192, height = 48, fontSize = 30, rotate180 = false, seed } = options;
  if (text.trim() === '') throw new RangeError('text must contain something to draw');
  for (const [name, value] of [['width', width], ['height', height], ['fontSize', fontSize]] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  const style = textStyle(seed);
  const ink = await measureInk(text, style);
  const margin = height * MARGIN;
  let size = fontSize;
  let x = margin;
  let y = height / 2 + fontSize * 0.36;
  if (ink) {
    size = Math.min(fontSize, (MEASURE_SIZE * (width - 2 * margin)) / ink.width, (MEASURE_SIZE * (height - 2 * margin)) / ink.height);
    const scale = size / MEASURE_SIZE;
    const slackX = Math.max(0, (width - 2 * margin - ink.width * scale) / 2);
    const slackY = Math.max(0, (height - 2 * margin - ink.height * scale) / 2);
    x = (width - ink.width * scale) / 2 - ink.left * scale + style.dx * Math.min(slackX, 8);
    y = (height - ink.height * scale) / 2 - ink.top * scale + style.dy * Math.min(slackY, 3);
  }
  const svg = textSvg({ width, height, text, fontSize: size, x, y, style, background: true });
  let image = sharp(svg).removeAlpha();
  if (rotate180) image = sharp(await image.png().toBuffer()).rotate(180);
  return new Uint8Array(await image.png().toBuffer());
}

const WORDS = ['Invoice', 'TOTAL', 'Order', 'Qty', 'Ref', 'Table', 'VAT', 'Room', 'Cash', 'Change', 'Item', 'Gate', 'Page', 'Serial', 'Due'];

/** One short receipt-like string: a word and a number, code or price. */
function sampleText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 10)).join('');
  const letters = (count: number) => Array.from({ length: count }, () => String.fromCharCode(65 + Math.floor(random() * 26))).join('');
  const value = pick([
    () => digits(4), () => `${Math.floor(random() * 200)}.${digits(2)}`, () => `#${digits(5)}`,
    () => `${letters(2)}-${digits(3)}`, () => String(1 + Math.floor(random() * 99)), () => `${digits(2)}/${digits(2)}`,
  ])();
  return `${pick(WORDS)} ${value}`;
}

/**
 * `count` short, distinct-looking ASCII strings such as 'Invoice 2041', 'TOTAL 37.50', 'Ref KQ-118' (a word and a
 * number, 5–13 characters), deterministic in `seed`.
 *
 * @example sampleTexts(3, 1); // three strings, the same on every run
 */
export function sampleTexts(count: number, seed: number): string[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => sampleText(random));
}

/**
 * Whether `renderTextImage` can draw text here: renders a sample and looks for a dark pixel. Without the font (and
 * any fallback) librsvg draws nothing; tests that need text should skip with a reason when this is false.
 */
export async function fontsAvailable(): Promise<boolean> {
  try {
    const png = await renderTextImage({ text: 'Tessera 42' });
    const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    return data.some((value) => value < 128);
  } catch {
    return false;
  }
}
