export { loadConfig, redactConfig, parseFlags, ConfigError } from './load-config.js';
export { SETTINGS, type TesseraConfig, type SettingSpec } from './config-schema.js';
