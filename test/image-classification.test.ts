/**
 * Image classification as a service, black-box: raw image in, top-k labels out, through /predictions and through v2
 * BYTES inputs. The presets' channel math is checked number by number through a model that echoes its input, a
 * VGG16-shaped network with ImageNet labels is compared with an in-process run, and the real PP-OCR orientation
 * classifier must read rendered text the right way up.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { imageToTensor, IMAGENET_LABELS, resolvePreprocess } from '../src/processing/index.js';
import {
  buildImageEchoModel, buildMlp, buildVggShapedModel, fontsAvailable, pngDeclaringSize, renderTextImage, sampleTexts, startTestServer,
  TEST_ADMIN_KEY, type TestServer,
} from '../src/testing/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const RGB = [200, 100, 50] as const;
let server: TestServer;

function uniformPng(width: number, height: number, colour: readonly [number, number, number] = RGB): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } }).png().toBuffer();
}

async function predict(model: string, body: Uint8Array, query = '', contentType = 'image/png'): Promise<{ status: number; body: any }> {
  const response = await server.call(`/predictions/${model}${query}`, { method: 'POST', headers: { 'content-type': contentType }, body: Buffer.from(body) });
  return { status: response.status, body: await response.json() };
}

async function echoOf(model: string, image: Uint8Array): Promise<Float32Array> {
  const answer = await server.client.infer(model, [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }]);
  return answer.outputs[0].data as Float32Array;
}

describe('image classification', () => {
  before(async () => {
    server = await startTestServer(['--max-image-pixels', String(4_000_000)]);
  });
  after(() => server.close());

  describe('preset channel math, exactly as documented', () => {
    // Expected value of each tensor channel for the uniform (200, 100, 50) image.
    const cases: Array<[string, 'NCHW' | 'NHWC', number, number, number[]]> = [
      ['vgg', 'NHWC', 224, 224, [50 - 103.939, 100 - 116.779, 200 - 123.68]],
      ['caffe', 'NCHW', 224, 224, [50 - 103.939, 100 - 116.779, 200 - 123.68]],
      ['tf', 'NHWC', 224, 224, [200 / 127.5 - 1, 100 / 127.5 - 1, 50 / 127.5 - 1]],
      ['torch', 'NCHW', 224, 224, [(200 / 255 - 0.485) / 0.229, (100 / 255 - 0.456) / 0.224, (50 / 255 - 0.406) / 0.225]],
      ['paddle-cls', 'NCHW', 48, 192, [(50 / 255 - 0.5) / 0.5, (100 / 255 - 0.5) / 0.5, (200 / 255 - 0.5) / 0.5]],
    ];
    for (const [preset, layout, height, width, expected] of cases) {
      it(`${preset} (${layout} ${height}×${width})`, async () => {
        const model = `echo-${preset}`;
        await server.client.createModel({ name: model, task: 'image-classification', preprocess: { preset } });
        assert.equal((await server.client.pushVersion(model, buildImageEchoModel({ layout, height, width }))).state, 'READY');
        const image = preset === 'paddle-cls' ? await uniformPng(384, 96) : await uniformPng(300, 260);
        const pixels = await echoOf(model, image);
        assert.equal(pixels.length, 3 * height * width);
        for (let c = 0; c < 3; c++) {
          const at = layout === 'NCHW' ? c * height * width + (height >> 1) * width + (width >> 1) : ((height >> 1) * width + (width >> 1)) * 3 + c;
          assert.ok(Math.abs(pixels[at] - expected[c]) < 1e-4, `${preset} channel ${c}: ${pixels[at]} vs ${expected[c]}`);
        }
        for (const value of pixels) assert.ok(expected.some((e) => Math.abs(value - e) < 1e-4), `unexpected value ${value}`);
      });
    }

    it('paddle-cls keeps the aspect ratio and pads the right with zeros after normalization', async () => {
      const pixels = await echoOf('echo-paddle-cls', await uniformPng(96, 48));
      const row = Array.from({ length: 192 }, (_, x) => pixels[24 * 192 + x]);
      assert.ok(row.slice(0, 96).every((v) => Math.abs(v - ((50 / 255 - 0.5) / 0.5)) < 1e-4));
      assert.ok(row.slice(96).every((v) => v === 0));
    });
  });

  it('answers a VGG16-shaped Keras-layout network with ImageNet labels, matching an in-process run', async () => {
    const bytes = buildVggShapedModel({ seed: 5 });
    await server.client.createModel({ name: 'vgg16', task: 'image-classification', preprocess: { preset: 'vgg' }, labels: 'imagenet' });
    const version = await server.client.pushVersion('vgg16', bytes);
    assert.equal(version.state, 'READY', version.error ?? '');
    const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 30, g: 140, b: 220 } } })
      .composite([{ input: await uniformPng(120, 90, [250, 240, 20]), left: 40, top: 60 }]).jpeg().toBuffer();
    const answer = await predict('vgg16', image);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.model, 'vgg16');
    assert.equal(answer.body.predictions.length, 5);

    const settings = resolvePreprocess({ preset: 'vgg' }, version.inputs);
    const tensor = await imageToTensor([image], settings, 4_000_000);
    const session = await ort.InferenceSession.create(bytes);
    const reference = (await session.run({ [tensor.name]: new ort.Tensor('float32', tensor.data as Float32Array, tensor.shape) })).predictions.data as Float32Array;
    const order = [...reference.keys()].sort((a, b) => reference[b] - reference[a]).slice(0, 5);
    assert.deepEqual(answer.body.predictions.map((p: any) => p.index), order);
    for (const [i, p] of answer.body.predictions.entries()) {
      assert.equal(p.label, IMAGENET_LABELS[order[i]]);
      assert.ok(Math.abs(p.probability - reference[order[i]]) < 1e-6);
    }
    await session.release();
  });

  it('reads rendered text the right way up with the real PP-OCR orientation classifier (≥ 95 %)', async (t) => {
    if (!(await fontsAvailable())) return t.skip('no fonts to render text with on this machine');
    await server.client.createModel({ name: 'text-orientation', task: 'image-classification', labels: ['0', '180'], preprocess: { preset: 'paddle-cls' } });
    const { readFile } = await import('node:fs/promises');
    await server.client.pushVersion('text-orientation', await readFile(BUNDLED_MODELS.textOrientation));
    let right = 0;
    const texts = sampleTexts(12, 11);
    for (const [i, text] of texts.entries()) {
      const upright = await renderTextImage({ text, seed: i });
      const flipped = await renderTextImage({ text, seed: i, rotate180: true });
      const [a, b] = await server.client.predictImage('text-orientation', [upright, flipped], { topk: 1 });
      if (a[0].label === '0') right++;
      if (b[0].label === '180') right++;
    }
    assert.ok(right / (2 * texts.length) >= 0.95, `accuracy ${right}/${2 * texts.length}`);
  });

  it('takes several files in multipart/form-data as one batch, and versions by number or alias', async () => {
    const form = new FormData();
    form.append('a', new Blob([new Uint8Array(await uniformPng(50, 50))]), 'a.png');
    form.append('b', new Blob([new Uint8Array(await uniformPng(60, 40, [10, 20, 30]))]), 'b.png');
    const response = await server.call('/predictions/vgg16/1?topk=3', { method: 'POST', body: form });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.predictions.length, 2);
    assert.ok(body.predictions.every((list: any[]) => list.length === 3));
    await server.client.setAlias('vgg16', 'production', 1);
    assert.equal((await predict('vgg16', await uniformPng(30, 30), '/production')).status, 200);
  });

  it('works through v2 with a BYTES input and the classification extension', async () => {
    const answer = await server.client.infer('vgg16', [{ name: 'input_1', datatype: 'BYTES', shape: [1], data: [await uniformPng(64, 64)] }], {
      outputs: [{ name: 'predictions', classification: 2 }],
    });
    const [first] = (answer.outputs[0].data as Uint8Array[]).map((b) => new TextDecoder().decode(b));
    assert.match(first, /^0\.\d{6}:\d+:.+$/);
    assert.equal(first.split(':')[2], IMAGENET_LABELS[Number(first.split(':')[1])]);
  });

  it('refuses bad images and image bombs with stable codes, and keeps serving', async () => {
    assert.equal((await predict('vgg16', new TextEncoder().encode('not an image'))).body.code, 'INVALID_IMAGE');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const truncated = await predict('vgg16', jpeg.subarray(0, jpeg.length >> 1));
    assert.deepEqual([truncated.status, truncated.body.code], [400, 'INVALID_IMAGE']);
    const svg = await predict('vgg16', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), '', 'image/svg+xml');
    assert.deepEqual([svg.status, svg.body.code], [400, 'INVALID_IMAGE']);
    const bomb = await pngDeclaringSize(65535, 65535);
    assert.ok(bomb.length < 1024);
    const refused = await predict('vgg16', bomb);
    assert.deepEqual([refused.status, refused.body.code], [413, 'IMAGE_TOO_LARGE']);
    const big = await sharp({ create: { width: 2100, height: 2100, channels: 3, background: '#000' } }).png().toBuffer();
    assert.deepEqual([(await predict('vgg16', big)).status], [413]);
    assert.equal((await predict('vgg16', await uniformPng(32, 32), '?topk=0')).body.code, 'INVALID_PARAMETER');
    await server.client.createModel({ name: 'not-an-image-model', task: 'image-classification' });
    await server.client.pushVersion('not-an-image-model', buildMlp());
    const unsupported = await predict('not-an-image-model', await uniformPng(8, 8));
    assert.deepEqual([unsupported.status, unsupported.body.code], [400, 'IMAGE_INPUT_UNSUPPORTED']);
    assert.equal((await predict('vgg16', await uniformPng(32, 32))).status, 200, 'still serving');
  });

  it('`tessera push … --preset vgg --labels imagenet` then `tessera predict` prints the top-5 ImageNet labels', async () => {
    const model = join(server.dataDir, 'vgg16.onnx');
    const image = join(server.dataDir, 'cat.jpg');
    await writeFile(model, buildVggShapedModel({ seed: 9 }));
    await writeFile(image, await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c08040' } }).jpeg().toBuffer());
    // Asynchronously: the server runs in this very process and must keep answering while the CLI waits.
    const cli = (args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, TESSERA_URL: server.url, TESSERA_KEY: TEST_ADMIN_KEY }, encoding: 'utf8',
    });
    await cli(['push', 'vgg-cli', model, '--task', 'image-classification', '--preset', 'vgg', '--labels', 'imagenet', '--alias', 'production']);
    const stored = await server.client.getModel('vgg-cli');
    assert.deepEqual([stored.task, stored.preprocess, stored.labels.length, stored.aliases], ['image-classification', { preset: 'vgg' }, 1000, { production: 1 }]);
    const json = JSON.parse((await cli(['predict', 'vgg-cli', image, '--json'])).stdout);
    assert.equal(json.images[0].predictions.length, 5);
    assert.ok(json.images[0].predictions.every((p: any) => p.label === IMAGENET_LABELS[p.index]));
    const human = (await cli(['predict', 'vgg-cli', image])).stdout;
    assert.ok(human.includes(json.images[0].predictions[0].label));
  });
});
