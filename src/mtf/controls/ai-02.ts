/** AI-02 is reserved in MTF v0.1 (§3.2): never evaluated, required at no level. */
import type { Control } from '../types.js';

export const control: Control = {
  id: 'AI-02',
  name: 'Reserved',
  domain: 'artifact_integrity',
  run: () => ({ status: 'skip', findings: [], error: 'reserved in MTF v0.1' }),
};
