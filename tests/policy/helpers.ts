import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLockfile } from '../../src/lockfile/parse.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { repoRoot } from '../helpers/cli.js';

export const fixtures = join(repoRoot, 'testdata', 'policy');

export function fixtureText(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8');
}

export function fixtureLock(name: string): Lockfile {
  return parseLockfile(fixtureText(name), name);
}

export function presetText(name: string): string {
  return readFileSync(join(repoRoot, 'policies', `${name}.yaml`), 'utf8');
}
