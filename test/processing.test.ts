/**
 * Image preprocessing (src/processing/): presets reproduce their reference formulas, layouts and resize geometry,
 * decoding and its refusals, labels, softmax/top-k. Images are built in memory with sharp.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { Tensor, TensorMetadata } from '../src/core/index.js';
import {
  decodeImage, IMAGENET_CLASS_NAMES, IMAGENET_LABELS, imageToTensor, PRESET_NAMES, resolveLabels, resolvePreprocess,
  sigmoid, softmax, topK, type PreprocessSettings, type PresetName,
} from '../src/processing/index.js';
import { pngDeclaringSize } from '../src/testing/index.js';
import type { ErrorCode } from '../src/protocol/index.js';

const MAX_PIXELS = 40_000_000;
const RGB = [200, 100, 50] as const;
const RED = [255, 0, 0] as const;
const BLUE = [0, 0, 255] as const;
type Colour = readonly [number, number, number];

function input(shape: number[], name = 'x', datatype: TensorMetadata['datatype'] = 'FP32'): TensorMetadata {
  return { name, datatype, shape };
}

async function solid(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff', width: number, height: number, [r, g, b]: Colour = RGB): Promise<Uint8Array> {
  const image = sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
  return format === 'webp' ? image.webp({ lossless: true }).toBuffer() : image.toFormat(format).toBuffer();
}

/** A PNG whose columns left of `split` are red and the rest blue. */
async function twoColour(width: number, height: number, split = width / 2): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(x < split ? RED : BLUE, (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** The value at batch n, channel c, row y, column x, whatever the layout. */
function at(tensor: Tensor, settings: PreprocessSettings, n: number, c: number, y: number, x: number): number {
  const [height, width] = settings.size;
  const C = settings.channels;
  const index = settings.layout === 'NCHW'
    ? ((n * C + c) * height + y) * width + x
    : ((n * height + y) * width + x) * C + c;
  return (tensor.data as Float32Array)[index];
}

async function assertCode(promise: Promise<unknown> | (() => unknown), code: ErrorCode, pattern?: RegExp): Promise<void> {
  const run = typeof promise === 'function' ? async () => promise() : promise;
  await assert.rejects(run, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (pattern) assert.match(error.message ?? '', pattern);
    return true;
  });
}

/** The reference formulas, written out as the Keras / torchvision / PaddleOCR sources state them. */
const REFERENCE: Record<PresetName, ([r, g, b]: Colour) => Colour> = {
  vgg: ([r, g, b]) => [b - 103.939, g - 116.779, r - 123.68],
  caffe: ([r, g, b]) => [b - 103.939, g - 116.779, r - 123.68],
  tf: ([r, g, b]) => [r / 127.5 - 1, g / 127.5 - 1, b / 127.5 - 1],
  torch: ([r, g, b]) => [(r / 255 - 0.485) / 0.229, (g / 255 - 0.456) / 0.224, (b / 255 - 0.406) / 0.225],
  'paddle-cls': ([r, g, b]) => [(b / 255 - 0.5) / 0.5, (g / 255 - 0.5) / 0.5, (r / 255 - 0.5) / 0.5],
};

describe('presets reproduce their reference formulas', () => {
  for (const preset of PRESET_NAMES) {
    it(`${preset}: every element of a uniform (200, 100, 50) PNG`, async () => {
      const settings = resolvePreprocess({ preset }, [input([-1, 3, -1, -1])]);
      const tensor = await imageToTensor([await solid('png', 300, 200)], settings, MAX_PIXELS);
      const [height, width] = settings.size;
      assert.deepEqual(tensor.shape, [1, 3, height, width]);
      assert.equal(tensor.name, 'x');
      assert.equal(tensor.datatype, 'FP32');
      const expected = REFERENCE[preset](RGB);
      const contentWidth = preset === 'paddle-cls' ? Math.ceil(48 * (300 / 200)) : width; // 72 of 192
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const want = x < contentWidth ? expected[c] : 0;
            const got = at(tensor, settings, 0, c, y, x);
            assert.ok(Math.abs(got - want) <= 1e-4, `${preset} c${c} (${y},${x}): ${got} ≠ ${want}`);
          }
        }
      }
    });
  }

  it('the preset sizes and resize rules are the documented ones', () => {
    const sig = [input([-1, 3, -1, -1])];
    const pick = (s: PreprocessSettings) => [s.size, s.resize, s.resizeShorter, s.kernel, s.channelOrder];
    assert.deepEqual(pick(resolvePreprocess({ preset: 'vgg' }, sig)), [[224, 224], 'stretch', undefined, 'nearest', 'BGR']);
    assert.deepEqual(pick(resolvePreprocess({ preset: 'tf' }, sig)), [[224, 224], 'stretch', undefined, 'linear', 'RGB']);
    assert.deepEqual(pick(resolvePreprocess({ preset: 'torch' }, sig)), [[224, 224], 'center-crop', 256, 'linear', 'RGB']);
    assert.deepEqual(pick(resolvePreprocess({ preset: 'paddle-cls' }, sig)), [[48, 192], 'keep-ratio-pad', undefined, 'linear', 'BGR']);
  });

  it('one-channel models get Pillow luma and mean[0], std[0]', async () => {
    const settings = resolvePreprocess({ scale: 1 / 255, mean: [0.5, 0, 0], std: [0.25, 1, 1] }, [input([-1, 1, 28, 28])]);
    assert.equal(settings.channels, 1);
    const tensor = await imageToTensor([await solid('png', 40, 40)], settings, MAX_PIXELS);
    assert.deepEqual(tensor.shape, [1, 1, 28, 28]);
    const luma = (200 * 19595 + 100 * 38470 + 50 * 7471 + 32768) >> 16;
    for (const value of tensor.data as Float32Array) assert.ok(Math.abs(value - (luma / 255 - 0.5) / 0.25) <= 1e-4);
  });
});

describe('decodeImage', () => {
  it('decodes PNG, TIFF, lossless WebP and GIF exactly, JPEG closely', async () => {
    for (const format of ['png', 'tiff', 'webp', 'gif', 'jpeg'] as const) {
      const image = await decodeImage(await solid(format, 7, 5), { maxPixels: 35 });
      assert.deepEqual([image.format, image.width, image.height, image.data.length], [format, 7, 5, 105], format);
      const tolerance = format === 'jpeg' ? 4 : 0;
      for (let i = 0; i < image.data.length; i++) {
        assert.ok(Math.abs(image.data[i] - RGB[i % 3]) <= tolerance, `${format} byte ${i}: ${image.data[i]}`);
      }
    }
  });

  it('drops alpha without compositing, expands greyscale to 3 channels, applies EXIF orientation', async () => {
    const rgba = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.2 } } }).png().toBuffer();
    assert.deepEqual([...(await decodeImage(rgba, { maxPixels: 4 })).data.subarray(0, 3)], [200, 100, 50]);
    const grey = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 90, g: 90, b: 90, alpha: 0.5 } } })
      .toColourspace('b-w').png().toBuffer();
    const decodedGrey = await decodeImage(grey, { maxPixels: 4 });
    assert.deepEqual([...decodedGrey.data], new Array(12).fill(90));
    const rotated = await sharp(await solid('png', 4, 2)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const upright = await decodeImage(rotated, { maxPixels: 8 });
    assert.deepEqual([upright.width, upright.height], [2, 4]);
  });
});

describe('layouts and channel order', () => {
  it('NCHW and NHWC place the same pixels, read from the signature', async () => {
    const image = await twoColour(224, 224);
    const nchw = resolvePreprocess({}, [input([-1, 3, 224, 224])]);
    const nhwc = resolvePreprocess({}, [input([-1, 224, 224, 3])]);
    assert.equal(nchw.layout, 'NCHW');
    assert.equal(nhwc.layout, 'NHWC');
    const a = await imageToTensor([image], nchw, MAX_PIXELS);
    const b = await imageToTensor([image], nhwc, MAX_PIXELS);
    assert.deepEqual(a.shape, [1, 3, 224, 224]);
    assert.deepEqual(b.shape, [1, 224, 224, 3]);
    const [da, db] = [a.data as Float32Array, b.data as Float32Array];
    const plane = 224 * 224;
    // pixel (y=0, x=0) red, (y=0, x=223) blue; raw values (no preset: scale 1, mean 0, std 1, RGB)
    assert.deepEqual([da[0], da[plane], da[2 * plane]], [255, 0, 0]);
    assert.deepEqual([da[223], da[plane + 223], da[2 * plane + 223]], [0, 0, 255]);
    assert.deepEqual([...db.subarray(0, 3)], [255, 0, 0]);
    assert.deepEqual([...db.subarray(223 * 3, 224 * 3)], [0, 0, 255]);
  });

  it('BGR puts blue in channel 0', async () => {
    const settings = resolvePreprocess({ channelOrder: 'BGR' }, [input([1, 2, 2, 3])]);
    const tensor = await imageToTensor([await solid('png', 2, 2)], settings, MAX_PIXELS);
    assert.deepEqual([...(tensor.data as Float32Array).subarray(0, 3)], [50, 100, 200]);
  });
});

describe('resize geometry', () => {
  const sig = [input([-1, 3, -1, -1])];
  const red = (t: Tensor, s: PreprocessSettings, y: number, x: number) => [0, 1, 2].map((c) => at(t, s, 0, c, y, x));

  it('stretch keeps the whole width, center-crop cuts the sides', async () => {
    const image = await twoColour(300, 100, 100); // left third red
    const stretch = resolvePreprocess({ size: [100, 100] }, sig);
    const crop = resolvePreprocess({ size: [100, 100], resize: 'center-crop' }, sig);
    const s = await imageToTensor([image], stretch, MAX_PIXELS);
    const c = await imageToTensor([image], crop, MAX_PIXELS);
    assert.deepEqual(red(s, stretch, 50, 10), [...RED]);
    assert.deepEqual(red(s, stretch, 50, 90), [...BLUE]);
    for (const x of [0, 50, 99]) assert.deepEqual(red(c, crop, 50, x), [...BLUE], `crop column ${x}`);
  });

  it('torch: shorter side to 256, then the centre 224 (torchvision offsets)', async () => {
    const settings = resolvePreprocess({ preset: 'torch' }, [input([-1, 3, 224, 224])]);
    const tensor = await imageToTensor([await twoColour(512, 256)], settings, MAX_PIXELS);
    const redValue = REFERENCE.torch(RED)[0];
    const blueValue = REFERENCE.torch(BLUE)[0];
    // crop left = (512 − 224) / 2 = 144, so columns 0..111 come from red (144..255) and 112..223 from blue
    assert.ok(Math.abs(at(tensor, settings, 0, 0, 100, 110) - redValue) < 1e-4);
    assert.ok(Math.abs(at(tensor, settings, 0, 0, 100, 113) - blueValue) < 1e-4);
  });

  it('letterbox centres the image on black pixels, normalized like the image', async () => {
    const settings = resolvePreprocess({ resize: 'letterbox', mean: [10, 10, 10] }, sig);
    const tensor = await imageToTensor([await twoColour(96, 48)], settings, MAX_PIXELS);
    // 96×48 → 224×112, rows 56..167
    for (const y of [0, 55, 168, 223]) assert.deepEqual(red(tensor, settings, y, 100), [-10, -10, -10], `row ${y}`);
    assert.deepEqual(red(tensor, settings, 112, 10), [245, -10, -10]);
    assert.deepEqual(red(tensor, settings, 112, 200), [-10, -10, 245]);
  });

  it('keep-ratio-pad: a 96×48 image fills 96 of 192 columns, then zeros after normalization', async () => {
    const settings = resolvePreprocess({ preset: 'paddle-cls' }, [input([-1, 3, 48, 192])]);
    const tensor = await imageToTensor([await twoColour(96, 48)], settings, MAX_PIXELS);
    assert.deepEqual(tensor.shape, [1, 3, 48, 192]);
    assert.deepEqual(red(tensor, settings, 20, 10), [-1, -1, 1]); // BGR of red
    assert.deepEqual(red(tensor, settings, 20, 80), [1, -1, -1]); // BGR of blue
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 48; y++) {
        for (let x = 96; x < 192; x++) assert.equal(at(tensor, settings, 0, c, y, x), 0);
      }
    }
    const wide = await imageToTensor([await twoColour(800, 48)], settings, MAX_PIXELS);
    assert.deepEqual(red(wide, settings, 20, 191), [1, -1, -1], 'a wide image is squeezed to 192 columns');
  });

  it('batches keep their order and name the failing image', async () => {
    const settings = resolvePreprocess({ preset: 'tf' }, [input([-1, 224, 224, 3], 'images')]);
    const tensor = await imageToTensor([await solid('png', 5, 5, RED), await solid('png', 9, 3, BLUE)], settings, MAX_PIXELS);
    assert.deepEqual(tensor.shape, [2, 224, 224, 3]);
    assert.equal(tensor.name, 'images');
    assert.deepEqual(red(tensor, settings, 0, 0).map((v, c) => at(tensor, settings, 1, c, 0, 0) + v), [0, -2, 0]);
    await assertCode(imageToTensor([await solid('png', 5, 5), new Uint8Array(10)], settings, MAX_PIXELS), 'INVALID_IMAGE', /^Image 1 of the batch/);
  });
});

describe('labels and post-processing', () => {
  it('IMAGENET_LABELS has the 1,000 classes in index order', () => {
    assert.equal(IMAGENET_LABELS.length, 1000);
    assert.equal(IMAGENET_LABELS[0], 'tench');
    assert.equal(IMAGENET_LABELS[1], 'goldfish');
    assert.equal(IMAGENET_LABELS[999], 'toilet tissue');
    assert.equal(IMAGENET_CLASS_NAMES[0], 'tench, Tinca tinca');
    assert.ok(Object.isFrozen(IMAGENET_LABELS));
    assert.equal(resolveLabels('imagenet'), IMAGENET_LABELS);
    assert.deepEqual(resolveLabels(['0', '180']), ['0', '180']);
    assert.throws(() => resolveLabels(['a', 1 as unknown as string]), { code: 'INVALID_REQUEST' });
  });

  it('softmax and sigmoid', () => {
    const p = softmax([1, 2, 3]);
    [0.09003057317, 0.24472847105, 0.66524095577].forEach((want, i) => assert.ok(Math.abs(p[i] - want) < 1e-9));
    assert.ok(Math.abs(softmax([1000, 1000])[0] - 0.5) < 1e-12, 'stable for large logits');
    assert.deepEqual(sigmoid([0]), [0.5]);
    assert.ok(Math.abs(sigmoid([2])[0] - 0.88079707797) < 1e-9);
  });

  it('topK ranks each batch entry, applies the activation, falls back to the index', () => {
    const output: Tensor = { name: 'p', datatype: 'FP32', shape: [2, 3], data: new Float32Array([0.1, 0.7, 0.2, 3, 1, 2]) };
    const [first, second] = topK(output, 2, ['a', 'b']);
    assert.deepEqual(first.map((s) => [s.label, s.index]), [['b', 1], ['2', 2]]);
    assert.ok(Math.abs(first[0].probability - 0.7) < 1e-6);
    assert.deepEqual(second.map((s) => s.index), [0, 2]);
    const soft = topK(output, 5, [], 'softmax');
    assert.equal(soft[1].length, 3, 'k beyond the classes gives them all');
    assert.ok(Math.abs(soft[1][0].probability - Math.exp(3) / (Math.exp(3) + Math.exp(1) + Math.exp(2))) < 1e-9);
    assert.ok(Math.abs(topK(output, 1, [], 'sigmoid')[1][0].probability - 1 / (1 + Math.exp(-3))) < 1e-9);
    assert.throws(() => topK(output, 0, []), { code: 'INVALID_PARAMETER' });
    const ints: Tensor = { name: 'i', datatype: 'INT64', shape: [1, 2], data: new BigInt64Array(2) };
    assert.throws(() => topK(ints, 1, []), { code: 'CLASSIFICATION_UNSUPPORTED' });
  });
});

/** A valid 1×1 PNG whose IHDR claims 65535×65535 (CRC fixed), well under 1 KB. */

describe('refusals', () => {
  const options = { maxPixels: 1_000_000 };

  it('bytes of no supported format are INVALID_IMAGE: random, SVG, AVIF, empty', async () => {
    const noise = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7919 + 13) % 251);
    await assertCode(decodeImage(noise, options), 'INVALID_IMAGE', /not an image in a supported format/);
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await assertCode(decodeImage(svg, options), 'INVALID_IMAGE', /3c 73 76 67/);
    const avif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).avif().toBuffer();
    await assertCode(decodeImage(avif, options), 'INVALID_IMAGE');
    await assertCode(decodeImage(new Uint8Array(0), options), 'INVALID_IMAGE', /\(empty\)/);
  });

  it('a tiny PNG declaring 65535×65535 is IMAGE_TOO_LARGE from its header, without allocating', async () => {
    const bomb = await pngDeclaringSize(65535, 65535);
    assert.ok(bomb.length < 1024);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    await assertCode(decodeImage(bomb, { maxPixels: MAX_PIXELS }), 'IMAGE_TOO_LARGE', /65535×65535/);
    assert.ok(performance.now() - started < 1000);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'no pixel buffer was allocated');
  });

  it('a 5000×5000 image over maxPixels 1e6 is IMAGE_TOO_LARGE; the limit itself passes', async () => {
    await assertCode(decodeImage(await solid('png', 5000, 5000), options), 'IMAGE_TOO_LARGE', /5000×5000/);
    assert.equal((await decodeImage(await solid('png', 1000, 1000), options)).width, 1000);
    const pages = await sharp({ create: { width: 10, height: 30, channels: 3, background: 'red', pageHeight: 10 } }).tiff().toBuffer();
    await assertCode(decodeImage(pages, { maxPixels: 299 }), 'IMAGE_TOO_LARGE', /3 frames/);
  });

  it('a truncated JPEG is INVALID_IMAGE quoting the decoder', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg().toBuffer();
    await assertCode(decodeImage(jpeg.subarray(0, jpeg.length >> 1), options), 'INVALID_IMAGE', /could not be decoded \(.*JPEG/i);
  });
});

describe('resolvePreprocess', () => {
  it('infers the layout and takes fixed dimensions over the stored size', () => {
    assert.equal(resolvePreprocess({}, [input([-1, 3, 224, 224])]).layout, 'NCHW');
    assert.equal(resolvePreprocess({}, [input([-1, 224, 224, 3])]).layout, 'NHWC');
    assert.deepEqual(resolvePreprocess({ preset: 'paddle-cls' }, [input([-1, 3, 48, 192])]).size, [48, 192]);
    assert.deepEqual(resolvePreprocess({ size: [100, 100] }, [input([1, 224, 224, 3])]).size, [224, 224]);
    assert.deepEqual(resolvePreprocess({ size: [100, 120] }, [input([1, 3, 64, -1])]).size, [64, 120]);
    const layoutGiven = resolvePreprocess({ layout: 'NHWC' }, [input([-1, -1, -1, -1])]);
    assert.deepEqual([layoutGiven.layout, layoutGiven.channels], ['NHWC', 3]);
    assert.ok(Object.isFrozen(layoutGiven));
  });

  it('explicit fields override the preset; a preset crop keeps its ratio at other sizes', () => {
    const vgg = resolvePreprocess({ preset: 'vgg', kernel: 'linear', mean: [1, 2, 3] }, [input([-1, 3, 224, 224])]);
    assert.deepEqual([vgg.kernel, vgg.mean, vgg.std, vgg.channelOrder], ['linear', [1, 2, 3], [1, 1, 1], 'BGR']);
    assert.equal(resolvePreprocess({ preset: 'torch' }, [input([-1, 3, 384, 384])]).resizeShorter, 438);
    assert.equal(resolvePreprocess({ preset: 'torch', resize: 'stretch' }, [input([-1, 3, 224, 224])]).resizeShorter, undefined);
  });

  it('picks the image input and refuses signatures that cannot take an image', async () => {
    const two = [input([-1, 3, 224, 224], 'image'), input([-1, 2], 'scale_factor')];
    assert.equal(resolvePreprocess({}, two).input, 'image');
    await assertCode(() => resolvePreprocess({}, [input([-1, 16], 'ids', 'INT64')]), 'IMAGE_INPUT_UNSUPPORTED', /"ids" is INT64/);
    await assertCode(() => resolvePreprocess({ input: 'scale_factor' }, two), 'IMAGE_INPUT_UNSUPPORTED', /not FP32 of rank 4/);
    await assertCode(() => resolvePreprocess({}, [input([-1, 3, 8, 8], 'a'), input([-1, 3, 8, 8], 'b')]), 'IMAGE_INPUT_UNSUPPORTED', /"input"/);
    await assertCode(() => resolvePreprocess({}, [input([-1, -1, -1, -1])]), 'IMAGE_INPUT_UNSUPPORTED', /"layout"/);
    await assertCode(() => resolvePreprocess({}, [input([-1, 4, 8, 8])]), 'IMAGE_INPUT_UNSUPPORTED');
    await assertCode(() => resolvePreprocess({ layout: 'NCHW' }, [input([-1, 4, 8, 8])]), 'IMAGE_INPUT_UNSUPPORTED', /4 channels/);
  });

  it('refuses unknown keys and bad values, naming them', async () => {
    const sig = [input([-1, 3, 224, 224])];
    await assertCode(() => resolvePreprocess({ mode: 'caffe' }, sig), 'INVALID_REQUEST', /"mode"/);
    await assertCode(() => resolvePreprocess({ preset: 'keras' }, sig), 'INVALID_REQUEST', /"preset".*"keras"/);
    await assertCode(() => resolvePreprocess({ size: [224] }, sig), 'INVALID_REQUEST', /"size"/);
    await assertCode(() => resolvePreprocess({ std: [1, 0, 1] }, sig), 'INVALID_REQUEST', /"std"/);
    await assertCode(() => resolvePreprocess({ scale: '1/255' }, sig), 'INVALID_REQUEST', /"scale"/);
    await assertCode(() => resolvePreprocess({ resizeShorter: 256 }, sig), 'INVALID_REQUEST', /"resizeShorter"/);
    await assertCode(() => resolvePreprocess({ resize: 'center-crop', resizeShorter: 200 }, sig), 'INVALID_REQUEST', /at least 224/);
  });
});
