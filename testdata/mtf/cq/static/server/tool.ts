// Fixture: TypeScript source with a security finding.
import { readFile } from 'node:fs/promises';

export async function read(path: string): Promise<string> {
  const fn = new Function('x', 'return x') as (x: string) => string;
  return fn(await readFile(path, 'utf8'));
}
