import type { DiffChange } from '../diff/types.js';

/**
 * The fields of a change that PRODUCT.md's Diff JSON names, as every report (check, SARIF, the
 * policy input) repeats them. Kept apart from src/diff so a report can use it without loading
 * the diff engine.
 */
export function coreChange(c: DiffChange): Pick<DiffChange, 'server' | 'kind' | 'name' | 'change' | 'severity' | 'breaking' | 'reasons'> {
  return { server: c.server, kind: c.kind, name: c.name, change: c.change, severity: c.severity, breaking: c.breaking, reasons: [...c.reasons] };
}
