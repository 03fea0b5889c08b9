/** Policy as code: load (YAML → schema), compile (CEL), build the input, evaluate with bounds. */
export { PolicyError, type PolicyErrorCode } from './errors.js';
export { parsePolicy, MAX_POLICY_BYTES, type Policy, type PolicyRule, type PolicyMode, type RuleSeverity } from './load.js';
export { compilePolicy, CEL_LIMITS, type CompiledPolicy } from './compile.js';
export { evaluatePolicy, DEFAULT_RULE_TIMEOUT_MS, type PolicyResult, type RuleResult, type RuleOutcome, type RuleStatus } from './evaluate.js';
export { buildPolicyInput, POLICY_INPUT_VERSION, type PolicyInput, type PolicyInputSources } from './input.js';
export { PRESETS, type PresetName } from './presets.js';
