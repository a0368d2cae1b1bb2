export { ensureAdminKey, AdminKeyVerifier, type AdminKeyOutcome } from './admin-key.js';
