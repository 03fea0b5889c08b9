/**
 * CQ-04 Input Validation (MTF v0.1 §3.4): tool handlers must validate their input with a typed
 * schema at the entry point. Static heuristics over the server's own code:
 *  - TypeScript/JavaScript MCP SDK: `registerTool(name, { inputSchema }, …)`, `server.tool(name,
 *    [description,] shape, …)` and FastMCP `addTool({ parameters })` are validated by the SDK;
 *    a low-level `setRequestHandler(CallToolRequestSchema, …)` must call a schema library
 *    (zod, ajv, joi, yup, valibot, TypeBox, io-ts, superstruct, arktype) in the same file.
 *  - Python: FastMCP `@….tool()` functions are validated from their type hints (pydantic), so
 *    every parameter needs a concrete annotation (`dict`/`Any`/none is untyped); a low-level
 *    `@….call_tool()` handler must validate with pydantic / jsonschema in the same file.
 * The spec's table says "WARN (L3), BLOCK (L4)" for a handler with no validation: the control
 * then passes capped at level 3 (`levelCap`), so it blocks L4 only; the finding is `high` so the
 * risk shows it. Partial validation is a warning (medium). Without any recognisable handler the
 * control is skipped, since nothing can be concluded. (The MCPB manifest's `tools` entries carry only name and
 * description, so the schemas can only be checked in code or with CQ-06 on the live server.)
 */
import { codeFiles } from '../code/files.js';
import { callArguments } from '../code/patterns.js';
import { lineAt, lineStarts } from '../code/files.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

const JS_SCHEMA_LIB = /(?:from\s*|require\s*\(\s*)["'`](?:zod(?:\/v[34])?|ajv(?:\/[\w-]+)?|joi|@hapi\/joi|yup|valibot|@sinclair\/typebox(?:\/[\w-]+)?|io-ts|superstruct|arktype|@effect\/schema|effect)["'`]/;
const JS_VALIDATE_CALL = /\.(?:parse|safeParse|parseAsync|safeParseAsync|validate|validateSync|validateAsync|assert|decode|is)\s*\(|\bajv\.compile\s*\(|\bnew\s+Ajv\b|\bValue\.(?:Check|Parse|Decode)\s*\(|\bv\.(?:parse|safeParse)\s*\(/;
const PY_VALIDATE = /\b(?:BaseModel|model_validate|parse_obj|TypeAdapter|validate_call|jsonschema\.validate|Draft\d+Validator|validate\s*\()/;
const UNTYPED_PY = /^(?:dict|Dict|typing\.Dict|Any|typing\.Any|object|dict\[.*\]|Dict\[.*\])$/;
const PY_CONTEXT_PARAM = /^(?:self|cls|ctx|context)$/;
const MAX_HANDLERS_PER_FILE = 500;
/**
 * A parameter shape in server.tool's arguments: `z.string(`, an identifier ending in Schema /
 * Shape / Params / Input / Args, or `{ key: fn(`. Linear: an identifier is tried from its first
 * character only (`a$b$c…` would otherwise be tried from every `$`).
 */
const HAS_SHAPE = /\bz\s*\.\s*\w+\s*\(|(?<![\w$])[A-Za-z_$][\w$]*(?:Schema|Shape|Params|Input|Args)\b|\{\s*[\w$"']+\s*:\s*[A-Za-z_$][\w$.]*\s*\(/;
/** `(a, b) =>`: a callback taking the arguments and the request context. */
const TWO_PARAM_ARROW = /\(\s*[A-Za-z_$][\w$]*\s*,\s*[A-Za-z_$][\w$]*\s*\)\s*=>/;
const ARROW_AFTER = /\s*=>/y;

/**
 * `({ … }) =>` or `({ … }, extra) =>`: a callback destructuring its arguments. Read one ")" at a
 * time, so the text is walked once: the pattern `\(\s*\{[^)]*\}\s*(?:,[^)]*)?\)\s*=>` tried from
 * every "(" was quadratic in a run of "({" without ")". Within the text between two ")", the
 * first "({" decides (a later one can only see fewer "}").
 */
function destructuringArrow(args: string): boolean {
  for (let from = 0, close = args.indexOf(')'); close !== -1; from = close + 1, close = args.indexOf(')', from)) {
    ARROW_AFTER.lastIndex = close + 1;
    if (!ARROW_AFTER.test(args)) continue;
    const segment = args.slice(from, close);
    const open = /\(\s*\{/.exec(segment);
    if (open && /\}\s*(?:,|$)/.test(segment.slice(open.index + open[0].length))) return true;
  }
  return false;
}

interface Handler {
  file: string;
  line: number;
  name: string;
  verdict: 'validated' | 'partial' | 'none' | 'no-input';
  detail: string;
}

function jsHandlers(path: string, text: string): Handler[] {
  const out: Handler[] = [];
  let starts: number[] | undefined;
  const lineOf = (i: number) => lineAt((starts ??= lineStarts(text)), i);
  // A schema library used in the file, or hand-written checking against the declared
  // inputSchema (a `validate…(` function next to the tools' `inputSchema` definitions).
  const fileValidates = (JS_SCHEMA_LIB.test(text) && JS_VALIDATE_CALL.test(text)) || (/\binputSchema\s*:/.test(text) && /\bvalidate\w*\s*\(/i.test(text));
  for (const m of text.matchAll(/\.\s*(registerTool|tool|addTool)\s*\(/g)) {
    if (out.length >= MAX_HANDLERS_PER_FILE) break;
    const args = callArguments(text, m.index + m[0].length);
    const name = /^\s*["'`]([^"'`]{1,100})["'`]/.exec(args)?.[1] ?? /\bname\s*:\s*["'`]([^"'`]{1,100})["'`]/.exec(args)?.[1] ?? '(unnamed)';
    const kind = m[1]!;
    let verdict: Handler['verdict'];
    let detail: string;
    if (kind === 'registerTool') {
      const has = /\binputSchema\s*[:,}]/.test(args);
      verdict = has ? 'validated' : 'no-input';
      detail = has ? 'inputSchema given to registerTool (validated by the SDK)' : 'registerTool without inputSchema (the tool takes no arguments)';
    } else if (kind === 'addTool') {
      const has = /\bparameters\s*:/.test(args);
      verdict = has ? 'validated' : 'no-input';
      detail = has ? 'parameters schema given to addTool' : 'addTool without parameters';
    } else {
      // server.tool(name, [description,] [shape,] [annotations,] callback)
      if (!/^\s*["'`]/.test(args)) continue; // not the MCP SDK's tool(name, …)
      const hasShape = HAS_SHAPE.test(args);
      const callbackUsesArgs = destructuringArrow(args) || TWO_PARAM_ARROW.test(args);
      if (hasShape) {
        verdict = 'validated';
        detail = 'parameter schema given to server.tool (validated by the SDK)';
      } else if (callbackUsesArgs) {
        verdict = 'none';
        detail = 'server.tool handler reads arguments but declares no parameter schema';
      } else {
        verdict = 'no-input';
        detail = 'server.tool without parameters';
      }
    }
    out.push({ file: path, line: lineOf(m.index), name, verdict, detail });
  }
  // Low-level handlers: the SDK's setRequestHandler(CallToolRequestSchema, …) or a hand-written
  // JSON-RPC dispatch on the "tools/call" method.
  for (const m of text.matchAll(/setRequestHandler\s*\(\s*CallToolRequestSchema\b|\bcase\s+["'`]tools\/call["'`]\s*:|===?\s*["'`]tools\/call["'`]/g)) {
    out.push({
      file: path,
      line: lineOf(m.index),
      name: 'tools/call handler',
      verdict: fileValidates ? 'validated' : 'none',
      detail: fileValidates ? 'the CallTool handler\'s file validates with a schema library' : 'a low-level CallTool handler with no schema validation (zod, ajv, …) in its file',
    });
  }
  return out;
}

function pyHandlers(path: string, text: string): Handler[] {
  const out: Handler[] = [];
  const lines = text.split('\n');
  const fileValidates = PY_VALIDATE.test(text);
  // The first def line at or after the last decorator's: found once for a run of decorators, so
  // a file of decorators with no def is read once, not once per decorator.
  let nextDef = 0;
  for (let i = 0; i < lines.length; i++) {
    const deco = /^\s*@\s*[\w.]+\.(tool|call_tool)\s*\(/.exec(lines[i]!);
    if (!deco) continue;
    // Find the decorated def (skip further decorators), then read its parameter list.
    if (nextDef <= i) for (nextDef = i + 1; nextDef < lines.length && !/^\s*(?:async\s+)?def\s/.test(lines[nextDef]!); ) nextDef++;
    const j = nextDef;
    if (j >= lines.length) continue;
    const sig = lines.slice(j, j + 30).join('\n');
    const defMatch = /(?:async\s+)?def\s+(\w+)\s*\(/.exec(sig);
    if (!defMatch) continue;
    const params = callArguments(sig, defMatch.index + defMatch[0].length);
    const name = defMatch[1]!;
    if (deco[1] === 'call_tool') {
      out.push({ file: path, line: j + 1, name, verdict: fileValidates ? 'validated' : 'none', detail: fileValidates ? 'the call_tool handler\'s file validates with pydantic/jsonschema' : 'a low-level call_tool handler receives a plain dict with no pydantic/jsonschema validation in its file' });
      continue;
    }
    const list = splitParams(params).filter((p) => p !== '' && p !== '*' && p !== '/');
    const relevant = list.filter((p) => !PY_CONTEXT_PARAM.test(p.replace(/^\*+/, '').split(/[:=]/)[0]!.trim()));
    if (relevant.length === 0) {
      out.push({ file: path, line: j + 1, name, verdict: 'no-input', detail: 'tool takes no arguments' });
      continue;
    }
    const untyped = relevant.filter((p) => {
      const colon = p.indexOf(':');
      if (colon === -1) return true;
      const annotation = p.slice(colon + 1).split('=')[0]!.trim();
      return UNTYPED_PY.test(annotation);
    });
    const verdict: Handler['verdict'] = untyped.length === 0 ? 'validated' : untyped.length === relevant.length ? 'none' : 'partial';
    out.push({ file: path, line: j + 1, name, verdict, detail: untyped.length === 0 ? 'every parameter has a type (validated by pydantic)' : `untyped parameters: ${untyped.map((p) => printable(p.split(/[:=]/)[0]!.trim(), 40)).join(', ')}` });
  }
  return out;
}

/** Splits a parameter list on top-level commas. */
function splitParams(params: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of params) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out.map((p) => p.replace(/#.*$/gm, '').replace(/\s+/g, ' ').trim());
}

export const control: Control = {
  id: 'CQ-04',
  name: 'Input Validation',
  domain: 'code_quality',
  run(ctx) {
    const own = codeFiles(ctx.files).filter((f) => !f.dependency && !f.test && (f.language === 'js' || f.language === 'python'));
    if (own.length === 0) return { status: 'skip', findings: [], error: 'no server source code (JavaScript, TypeScript or Python) to analyse' };
    const handlers: Handler[] = [];
    for (const f of own) {
      if (f.language === 'js' && /\b(?:registerTool|tool|addTool|CallToolRequestSchema)\b|tools\/call/.test(f.file.text)) handlers.push(...jsHandlers(f.file.path, f.file.text));
      else if (f.language === 'python' && /\.(?:tool|call_tool)\s*\(/.test(f.file.text)) handlers.push(...pyHandlers(f.file.path, f.file.text));
    }
    if (handlers.length === 0) return { status: 'skip', findings: [], error: 'no recognisable MCP tool handlers in the server code' };
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `CQ-04-${findings.length + 1}`, control: 'CQ-04', ...f });
    for (const h of handlers) {
      if (h.verdict === 'none') add({ severity: 'high', title: 'Tool handler without input validation', description: `${printable(h.name, 80)}: ${h.detail}`, file: h.file, line: h.line, remediation: 'Declare a typed schema for the tool input (zod shape / inputSchema, or typed pydantic parameters) and validate at the handler entry.' });
      else if (h.verdict === 'partial') add({ severity: 'medium', title: 'Partial input validation', description: `${printable(h.name, 80)}: ${h.detail}`, file: h.file, line: h.line, remediation: 'Give every tool parameter a concrete type.' });
    }
    const validated = handlers.filter((h) => h.verdict === 'validated').length;
    add({ severity: 'info', title: 'Tool handlers checked', description: `${handlers.length} tool handlers found, ${validated} validated by a typed schema, ${handlers.filter((h) => h.verdict === 'no-input').length} take no arguments` });
    // Every finding here is a warning at L3 (see above): pass, but not beyond L3 when a handler
    // has no validation at all.
    return handlers.some((h) => h.verdict === 'none') ? { status: 'pass', findings, levelCap: 3 } : { status: 'pass', findings };
  },
};
