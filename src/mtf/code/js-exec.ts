/**
 * child_process calls through local bindings, which a pattern on `child_process.exec(` misses:
 *
 *   const { exec } = require('child_process');   exec(cmd)
 *   import { execSync as run } from 'node:child_process';   run(cmd)
 *   import * as cp from 'child_process';   cp.exec(cmd)
 *   const execAsync = promisify(exec);   await execAsync(cmd)
 *
 * The local names come from the bundle, so they are collected into Sets and compared with
 * identifiers found by fixed expressions; no RegExp is ever built from them.
 */
import { callArguments } from './patterns.js';
import { lineAt, lineStarts } from './files.js';

export interface ExecCall {
  line: number;
  /** The child_process function reached: exec, execSync, spawn, ... */
  target: string;
  /** What the code calls it (local name or `ns.exec`). */
  callee: string;
  /** For spawn/execFile: the call passes `shell: true`. */
  shell: boolean;
}

const SHELL_FUNCTIONS = new Set(['exec', 'execSync']);
const SPAWN_FUNCTIONS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);
const MODULE = `["'\`](?:node:)?child_process["'\`]`;

// const { a, b: c } = require('child_process')   |   = await import('child_process')
const DESTRUCTURED_REQUIRE = new RegExp(`\\b(?:const|let|var)\\s*\\{([^}]{1,2000})\\}\\s*=\\s*(?:require\\s*\\(\\s*${MODULE}\\s*\\)|await\\s+import\\s*\\(\\s*${MODULE}\\s*\\))`, 'g');
// import { a, b as c } from 'child_process'   (also `import def, { a } from`)
const NAMED_IMPORT = new RegExp(`\\bimport\\s+(?:[A-Za-z_$][\\w$]*\\s*,\\s*)?\\{([^}]{1,2000})\\}\\s*from\\s*${MODULE}`, 'g');
// const cp = require('child_process')   |   import cp from   |   import * as cp from
const NAMESPACE_REQUIRE = new RegExp(`\\b(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*(?:require\\s*\\(\\s*${MODULE}\\s*\\)|await\\s+import\\s*\\(\\s*${MODULE}\\s*\\))`, 'g');
const NAMESPACE_IMPORT = new RegExp(`\\bimport\\s+(?:\\*\\s+as\\s+)?([A-Za-z_$][\\w$]*)\\s*(?:,\\s*\\{[^}]*\\})?\\s*from\\s*${MODULE}`, 'g');
// const run = promisify(exec)   |   util.promisify(cp.exec)
const PROMISIFY = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:util\s*\.\s*)?promisify\s*\(\s*([A-Za-z_$][\w$]*)(?:\s*\.\s*([A-Za-z_$][\w$]*))?\s*\)/g;
const CALL = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(/g;
const MEMBER_CALL = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(/g;
const SHELL_OPTION = /\bshell\s*:\s*(?:true|["'`][^"'`]+["'`])/;

function bindNames(list: string, locals: Map<string, string>, separator: RegExp): void {
  for (const part of list.split(',')) {
    const pieces = part.trim().split(separator).map((p) => p.trim());
    const imported = pieces[0];
    const local = pieces[1] ?? imported;
    if (!imported || !local || !/^[A-Za-z_$][\w$]*$/.test(local)) continue;
    if (SHELL_FUNCTIONS.has(imported) || SPAWN_FUNCTIONS.has(imported)) locals.set(local, imported);
  }
}

/** Finds calls to child_process functions in one JavaScript/TypeScript source text. */
export function findChildProcessCalls(text: string): ExecCall[] {
  if (!text.includes('child_process')) return [];
  const locals = new Map<string, string>();
  const namespaces = new Set<string>();
  for (const m of text.matchAll(DESTRUCTURED_REQUIRE)) bindNames(m[1]!, locals, /\s*:\s*/);
  for (const m of text.matchAll(NAMED_IMPORT)) bindNames(m[1]!, locals, /\s+as\s+/);
  for (const m of text.matchAll(NAMESPACE_REQUIRE)) namespaces.add(m[1]!);
  for (const m of text.matchAll(NAMESPACE_IMPORT)) namespaces.add(m[1]!);
  for (const m of text.matchAll(PROMISIFY)) {
    const target = m[3] !== undefined ? (namespaces.has(m[2]!) ? m[3] : undefined) : locals.get(m[2]!);
    if (target && (SHELL_FUNCTIONS.has(target) || SPAWN_FUNCTIONS.has(target))) locals.set(m[1]!, target);
  }
  if (locals.size === 0 && namespaces.size === 0) return [];
  const calls: ExecCall[] = [];
  let starts: number[] | undefined;
  const record = (index: number, end: number, target: string, callee: string) => {
    const shell = SHELL_FUNCTIONS.has(target) || SHELL_OPTION.test(callArguments(text, end));
    if (!shell) return;
    starts ??= lineStarts(text);
    calls.push({ line: lineAt(starts, index), target, callee, shell: !SHELL_FUNCTIONS.has(target) });
  };
  if (locals.size > 0) {
    for (const m of text.matchAll(CALL)) {
      const target = locals.get(m[1]!);
      if (target === undefined) continue;
      // `function exec(` or `exec(` as a method definition is a declaration, not a call.
      const before = text.slice(Math.max(0, m.index - 12), m.index);
      if (/\bfunction\s*$/.test(before)) continue;
      record(m.index, m.index + m[0].length, target, m[1]!);
    }
  }
  if (namespaces.size > 0) {
    for (const m of text.matchAll(MEMBER_CALL)) {
      if (!namespaces.has(m[1]!)) continue;
      const target = m[2]!;
      if (!SHELL_FUNCTIONS.has(target) && !SPAWN_FUNCTIONS.has(target)) continue;
      record(m.index, m.index + m[0].length, target, `${m[1]}.${target}`);
    }
  }
  return calls;
}
