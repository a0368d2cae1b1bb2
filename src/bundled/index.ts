export { BUNDLED_MODELS, TEXT_ORIENTATION_LABELS } from './bundled-models.js';
