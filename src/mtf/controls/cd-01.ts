/**
 * CD-01 Tool Declaration (MTF-0.1 §3.5, L1). The manifest's `tools` (see
 * src/mtf/declarations.ts), and — beyond the reference — the tools the server's own code
 * registers (`server.tool("x", …)`, `registerTool("x", …)`, `@mcp.tool()` / `def x`,
 * `Tool(name="x")`) compared with the declared names: an implemented but undeclared tool is a
 * warning at L1 and blocks at L2+ (§3.5 severity table), so it caps the control at L1.
 * `tools_generated: true` bundles declare their tools at run time: only CQ-06 (--run-server)
 * can compare those.
 */
import { checkToolDeclaration, type Surface } from '../declarations.js';
import { lineAt, lineStarts } from '../code/files.js';
import { FindingList, field, quote, serverSources } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const JS_TOOL = /\.(?:tool|registerTool|addTool)\(\s*(['"`])([A-Za-z0-9_.\-]{1,128})\1/g;
const PY_DECORATED = /@[\w.]*\btool\s*\(([^)]{0,300})\)\s*\n(?:[ \t]*@[^\n]*\n){0,5}[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)/g;
const PY_TOOL_CTOR = /\bTool\(\s*name\s*=\s*(['"])([A-Za-z0-9_.\-]{1,128})\1/g;

/** Tool names the server code registers, with where. */
export function implementedTools(ctx: BundleContext): { name: string; file: string; line: number }[] {
  const out: { name: string; file: string; line: number }[] = [];
  for (const file of serverSources(ctx)) {
    const text = file.text;
    const py = file.path.endsWith('.py');
    const patterns = py ? [PY_DECORATED, PY_TOOL_CTOR] : [JS_TOOL];
    // Line numbers from one index of line starts: counting newlines from the top for each of up
    // to 1,000 registrations made a long file quadratic.
    let starts: number[] | undefined;
    for (const re of patterns) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        let name = m[2]!;
        if (re === PY_DECORATED) {
          const explicit = /\bname\s*=\s*(['"])([A-Za-z0-9_.\-]{1,128})\1/.exec(m[1]!);
          if (explicit) name = explicit[2]!;
        }
        out.push({ name, file: file.path, line: lineAt((starts ??= lineStarts(text)), m.index) });
        if (out.length > 1000) return out;
      }
    }
  }
  return out;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('CD-01');
  if (!ctx.manifest) {
    f.add('high', 'No manifest', 'Tools cannot be checked without a readable manifest.json (see AI-01).');
    return { status: 'fail', findings: f.items };
  }
  const surface: Surface = { items: [], texts: [], file: 'manifest.json' };
  const tools = field(ctx.manifest, 'tools');
  let { levelCap } = checkToolDeclaration(surface, tools, f);
  if (field(ctx.manifest, 'tools_generated') === true) {
    f.add('info', 'Tools generated at run time', 'The manifest sets tools_generated: the live tool list can only be compared with --run-server (CQ-06).', { file: 'manifest.json' });
  } else if (Array.isArray(tools)) {
    const declared = new Set(tools.map((t) => (t && typeof t === 'object' ? (t as Record<string, unknown>).name : undefined)).filter((n): n is string => typeof n === 'string'));
    const reported = new Set<string>();
    for (const impl of implementedTools(ctx)) {
      if (declared.has(impl.name) || reported.has(impl.name)) continue;
      reported.add(impl.name);
      levelCap = 1;
      f.add('medium', 'Implemented tool not declared', `The code registers tool ${quote(impl.name, 60)}, which the manifest does not declare (a warning at L1, blocking at L2 and above).`, {
        file: impl.file,
        line: impl.line,
        remediation: 'Declare the tool in manifest.json, or remove it from the code.',
      });
    }
  }
  const failed = f.items.some((x) => x.severity === 'high' || x.severity === 'critical');
  return { status: failed ? 'fail' : 'pass', findings: f.items, ...(!failed && levelCap ? { levelCap } : {}) };
}

export const control: Control = { id: 'CD-01', name: 'Tool Declaration', domain: 'capability_declaration', run };
