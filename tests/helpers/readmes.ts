import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.js';

/** The texts of the README.md files of the installed dependencies (node_modules, four levels deep): real prose and identifiers. */
export function dependencyReadmes(): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path, depth + 1);
      else if (stat?.isFile() && /^readme\.md$/i.test(entry)) files.push(path);
    }
  };
  walk(join(repoRoot, 'node_modules'), 0);
  return files.map((f) => readFileSync(f, 'utf8'));
}
