export * from './agents.js';
export * from './agent-config.js';
export { stripJsonc, parseJsonOrJsonc } from './jsonc.js';
