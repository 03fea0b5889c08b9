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
import { callArgumentsRange, searcher } from './patterns.js';
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

// Braced lists are read in two steps (the opening, then the next "}" and what follows it, tried
// once at that position): `\{[^}]*\}` inside one regex rescans to the "}" from every opening, so
// "const {const {…" or "import a, {import a, {…" cost quadratic time.
// const { a, b: c } = require('child_process')   |   = await import('child_process')
const DESTRUCTURED_OPEN = /\b(?:const|let|var)\s*\{/g;
const DESTRUCTURED_TAIL = new RegExp(`\\}\\s*=\\s*(?:require\\s*\\(\\s*${MODULE}\\s*\\)|await\\s+import\\s*\\(\\s*${MODULE}\\s*\\))`, 'y');
// import { a, b as c } from 'child_process'   |   import def, { a } from (def is a namespace)
const NAMED_OPEN = /\bimport\s+(?:([A-Za-z_$][\w$]*)\s*,\s*)?\{/g;
const NAMED_TAIL = new RegExp(`\\}\\s*from\\s*${MODULE}`, 'y');
// const cp = require('child_process')   |   import cp from   |   import * as cp from
const NAMESPACE_REQUIRE = new RegExp(`\\b(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*(?:require\\s*\\(\\s*${MODULE}\\s*\\)|await\\s+import\\s*\\(\\s*${MODULE}\\s*\\))`, 'g');
const NAMESPACE_IMPORT = new RegExp(`\\bimport\\s+(?:\\*\\s+as\\s+)?([A-Za-z_$][\\w$]*)\\s*from\\s*${MODULE}`, 'g');
// const run = promisify(exec)   |   util.promisify(cp.exec)
const PROMISIFY = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:util\s*\.\s*)?promisify\s*\(\s*([A-Za-z_$][\w$]*)(?:\s*\.\s*([A-Za-z_$][\w$]*))?\s*\)/g;
const CALL = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(/g;
const MEMBER_CALL = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(/g;
const SHELL_OPTION = /\bshell\s*:\s*(?:true|["'`][^"'`]+["'`])/g;

/** Each `open` match, with the text up to the next "}", when `tail` matches at that "}" (sticky). */
function* braced(text: string, open: RegExp, tail: RegExp): Generator<{ list: string; m: RegExpExecArray }> {
  let close = -1;
  open.lastIndex = 0;
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const from = m.index + m[0].length;
    if (close !== Infinity && close < from) {
      const i = text.indexOf('}', from);
      close = i === -1 ? Infinity : i;
    }
    if (close === Infinity) return;
    tail.lastIndex = close;
    if (tail.test(text)) yield { list: text.slice(from, close), m };
  }
}

/**
 * The pieces of one entry of a destructured require (`exec: run`) or a named import
 * (`exec as run`). Plain splits and trims, no pattern with white space on both sides of the
 * separator: a `\s*:\s*` pattern rescans a run of spaces from each of its characters (quadratic on a
 * megabyte of them).
 */
const byColon = (part: string) => part.split(':').map((p) => p.trim());
function byAs(part: string): string[] {
  const words = part.trim().split(/\s+/);
  return words.length === 3 && words[1] === 'as' ? [words[0]!, words[2]!] : words.length === 1 ? words : [words.join(' ')];
}

function bindNames(list: string, locals: Map<string, string>, split: (part: string) => string[]): void {
  for (const part of list.split(',')) {
    const pieces = split(part);
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
  for (const { list } of braced(text, DESTRUCTURED_OPEN, DESTRUCTURED_TAIL)) bindNames(list, locals, byColon);
  for (const { list, m } of braced(text, NAMED_OPEN, NAMED_TAIL)) {
    bindNames(list, locals, byAs);
    if (m[1] !== undefined) namespaces.add(m[1]);
  }
  for (const m of text.matchAll(NAMESPACE_REQUIRE)) namespaces.add(m[1]!);
  for (const m of text.matchAll(NAMESPACE_IMPORT)) namespaces.add(m[1]!);
  for (const m of text.matchAll(PROMISIFY)) {
    const target = m[3] !== undefined ? (namespaces.has(m[2]!) ? m[3] : undefined) : locals.get(m[2]!);
    if (target && (SHELL_FUNCTIONS.has(target) || SPAWN_FUNCTIONS.has(target))) locals.set(m[1]!, target);
  }
  if (locals.size === 0 && namespaces.size === 0) return [];
  const calls: ExecCall[] = [];
  let starts: number[] | undefined;
  // One forward search for `shell:` shared by every call, not one per call's arguments.
  const shellOption = searcher(SHELL_OPTION, text);
  const record = (index: number, end: number, target: string, callee: string) => {
    const range = SHELL_FUNCTIONS.has(target) ? undefined : callArgumentsRange(text, end);
    const option = range ? shellOption(range[0]) : undefined;
    const shell = SHELL_FUNCTIONS.has(target) || (option !== undefined && option.end <= range![1]);
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
