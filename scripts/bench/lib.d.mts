// Types for what tests import of scripts/bench/lib.mjs (the bench itself is plain JavaScript).
import type { JsonObject } from '../../src/canonical/index.js';

/** A plain synthetic tool, the same in every benchmark that builds a lockfile. */
export function syntheticTool(i: number): JsonObject;
