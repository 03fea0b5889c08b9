#!/usr/bin/env node
// Writes schemas/policy.schema.json and schemas/policy-input.schema.json from their sources of
// truth in src/policy/ (run after `npx tsc -p tsconfig.build.json`). tests/policy keeps them equal.
import { writeFileSync } from 'node:fs';
import { POLICY_SCHEMA } from '../dist/src/policy/policy-schema.js';
import { POLICY_INPUT_SCHEMA } from '../dist/src/policy/input-schema.js';

const root = new URL('../schemas/', import.meta.url);
writeFileSync(new URL('policy.schema.json', root), `${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`);
writeFileSync(new URL('policy-input.schema.json', root), `${JSON.stringify(POLICY_INPUT_SCHEMA, null, 2)}\n`);
