import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { runCli, tempDir } from './cli.js';

const STACK = /\n\s+at .+[(:]\d+/;

/**
 * A scratch folder with the gate's verdicts on lockfiles written into it, for the attack files:
 * `lock` writes a lockfile of one server `s` with these tools and prompts; `strict` runs
 * `policy check --preset strict` (exit code, names of the rules that did not pass); `cd03` runs
 * `scan --lock` (exit code, whether CD-03 failed). Neither may print a stack trace.
 */
export function verdicts(prefix: string) {
  const scratch = tempDir(prefix);
  let files = 0;
  const record = (items: JsonObject[]) => {
    const r = Object.create(null) as Record<string, JsonObject>;
    for (const item of items) r[item.name as string] = item;
    return r;
  };
  const lock = (tools: JsonObject[], prompts: JsonObject[] = []): string => {
    const text = serializeLockfile(
      createLockfile([
        {
          name: 's',
          transport: { type: 'stdio', command: 'node', args: ['s.mjs'], env: [] },
          surface: {
            identity: { serverInfo: { name: 's', version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {}, prompts: {} } },
            tools: record(tools),
            prompts: record(prompts),
            resources: Object.create(null),
            resourceTemplates: Object.create(null),
          },
        },
      ]),
    );
    const file = `l${files++}.json`;
    writeFileSync(join(scratch.dir, file), text);
    return file;
  };
  const strict = async (file: string): Promise<{ code: number; failed: string[] }> => {
    const r = await runCli(['policy', 'check', '--preset', 'strict', '--lock', file, '--format', 'json'], { cwd: scratch.dir });
    expect(r.stderr).not.toMatch(STACK);
    const failed = (JSON.parse(r.stdout) as { policy: { rules: { name: string; status: string }[] } }).policy.rules.filter((x) => x.status !== 'pass').map((x) => x.name);
    return { code: r.code, failed };
  };
  const cd03 = async (file: string): Promise<{ code: number; fails: boolean }> => {
    const r = await runCli(['scan', '--lock', file], { cwd: scratch.dir });
    expect(r.stderr).not.toMatch(STACK);
    return { code: r.code, fails: /FAIL\s+CD-03/.test(r.stdout) };
  };
  return { scratch, lock, strict, cd03, STACK };
}
