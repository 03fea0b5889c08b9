export { Enforcer, BLOCKED_CODE, BLOCKED_PREFIX, type Decision, type Verdict } from './enforce.js';
export { ProxySession, type SessionOptions } from './session.js';
export { LineChannel } from './downstream.js';
export { renderAuditLine } from './audit.js';
export { warmSchemaEngine } from './schema.js';
