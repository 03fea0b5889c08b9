import { digestOf, type JsonObject, type JsonValue } from '../canonical/index.js';
import type { ItemKind, LockedServer } from '../lockfile/types.js';
import { hasOwn } from '../util/record.js';
import { compileSchema, type CompiledSchema } from './schema.js';
import { hasDotSegment, matchTemplate, MAX_URI_LENGTH, parseTemplate } from './uri.js';

/**
 * What the proxy did with one message or item: let it through, refuse a request (it never
 * reaches the server), withhold a listed item (the agent never sees it), or drop a message
 * that answers or refers to nothing the proxy sent.
 */
export type Verdict = 'allowed' | 'blocked' | 'withheld' | 'dropped';

/** One decision, as the audit log records it: names and digests only, never values. */
export interface Decision {
  method: string;
  verdict: Verdict;
  reason: string;
  kind?: ItemKind;
  /** The tool or prompt name, resource URI or template the decision is about. */
  item?: string;
  /** The locked digest of that item, when it is in the lock. */
  digest?: string;
}

/** The error code of a request the proxy refuses (JSON-RPC reserves -32000…-32099 for servers). */
export const BLOCKED_CODE = -32010;
/** Every refusal's message starts with this, so agents and people can tell it from a server's. */
export const BLOCKED_PREFIX = 'blocked by mcptrust:';

const LISTS: Record<string, { kind: ItemKind; field: 'tools' | 'prompts' | 'resources' | 'resourceTemplates'; key: 'name' | 'uri' | 'uriTemplate' }> = {
  'tools/list': { kind: 'tool', field: 'tools', key: 'name' },
  'prompts/list': { kind: 'prompt', field: 'prompts', key: 'name' },
  'resources/list': { kind: 'resource', field: 'resources', key: 'uri' },
  'resources/templates/list': { kind: 'resourceTemplate', field: 'resourceTemplates', key: 'uriTemplate' },
};

/**
 * Requests the agent may send whatever the lock holds: they read nothing the lock pins
 * (`ping`, log level, unsubscribing) or their answers are filtered item by item (the lists).
 */
const PASS_METHODS = new Set(['ping', 'logging/setLevel', 'resources/unsubscribe', ...Object.keys(LISTS)]);

/**
 * Most schema nodes compileAll compiles before the agent is answered: a few hundred
 * milliseconds of ajv. Compiling keeps every validator in memory, and a lock may hold 64 MiB of
 * schemas (10,000 tools of 90 properties: 10 s of CPU and 460 MB before the first answer), so
 * the start-up work stays bounded whatever the lock holds; what a call pays for a tool past the
 * bound is what every call paid before compileAll.
 */
export const EAGER_SCHEMA_NODES = 20_000;

/** What compiling `schema` is counted as: its objects, arrays and values, plus 10 (the engine's cost per schema); stops counting past `limit`. */
function schemaCost(schema: unknown, limit: number): number {
  let count = 10;
  const stack: unknown[] = [schema];
  while (stack.length > 0 && count <= limit) {
    const value = stack.pop();
    count++;
    if (typeof value === 'object' && value !== null) for (const child of Object.values(value)) stack.push(child);
  }
  return count;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The enforcement core: from one locked server alone, decides what may pass. Pure (no I/O);
 * the schemas of the locked tools are compiled lazily, once per tool. Everything it is given
 * (requests from the agent, results from the server) is attacker-controlled.
 */
export class Enforcer {
  private readonly inputs = new Map<string, CompiledSchema>();
  private readonly outputs = new Map<string, CompiledSchema>();
  /** Locked digests by kind, then key (no key string built per call). */
  private readonly digests: Record<ItemKind, Map<string, string>> = { tool: new Map(), prompt: new Map(), resource: new Map(), resourceTemplate: new Map() };
  private templates: { template: string; parts: ReturnType<typeof parseTemplate> }[] | undefined;

  constructor(readonly server: LockedServer) {}

  private locked(kind: ItemKind, key: string): JsonObject | undefined {
    const items = this.server.surface[LISTS_BY_KIND[kind]];
    return hasOwn(items, key) ? items[key] : undefined;
  }

  private digest(kind: ItemKind, key: string, item: JsonObject): string {
    const digests = this.digests[kind];
    let digest = digests.get(key);
    if (digest === undefined) digests.set(key, (digest = digestOf(item)));
    return digest;
  }

  /**
   * Compiles the locked tools' inputSchema and outputSchema now (the proxy does it before it
   * answers the agent's initialize), instead of on each tool's first call, in lock order until
   * `budget` schema nodes (EAGER_SCHEMA_NODES) are spent; the tools past it compile on their
   * first call as before. A schema that cannot be compiled is kept as its error, which blocks
   * the tool's calls as before.
   */
  compileAll(budget = EAGER_SCHEMA_NODES): void {
    let left = budget;
    for (const [name, tool] of Object.entries(this.server.surface.tools)) {
      left -= schemaCost(tool.inputSchema, left) + (tool.outputSchema === undefined ? 0 : schemaCost(tool.outputSchema, left));
      if (left < 0) return;
      if (!this.inputs.has(name)) this.inputs.set(name, compileSchema(tool.inputSchema));
      if (tool.outputSchema !== undefined && !this.outputs.has(name)) this.outputs.set(name, compileSchema(tool.outputSchema));
    }
  }

  /** The method's list field and kind, when `method` is one of the four list methods. */
  static listOf(method: string): (typeof LISTS)[string] | undefined {
    return Object.hasOwn(LISTS, method) ? LISTS[method] : undefined;
  }

  /**
   * Filters one page of a list result. An item not in the lock is withheld. An item whose
   * definition differs from the locked one is withheld too, rather than served as locked: the
   * server would then be answering calls for a definition it no longer has (a tool shown with
   * its locked schema whose real schema changed can make the agent send arguments the server
   * reads differently), and the agent must never see the new definition. Withholding is the
   * conservative choice; the preflight has already refused a server that drifted at start.
   */
  filterList(method: string, result: unknown): { result: unknown; decisions: Decision[] } {
    const list = Enforcer.listOf(method);
    if (!list || !isObject(result)) return { result, decisions: [] };
    const items = result[list.field];
    // Not an array (an object keyed "0", a string, absent): nothing in it can be judged item by
    // item, so all of it is withheld and the agent gets an empty list (never the field as it was).
    if (!Array.isArray(items)) {
      return { result: { ...result, [list.field]: [] }, decisions: [{ method, kind: list.kind, verdict: 'withheld', reason: `the result's ${list.field} is not an array` }] };
    }
    const kept: unknown[] = [];
    const decisions: Decision[] = [];
    for (const item of items) {
      const key = isObject(item) ? item[list.key] : undefined;
      if (typeof key !== 'string') {
        decisions.push({ method, kind: list.kind, verdict: 'withheld', reason: `the item has no ${list.key}` });
        continue;
      }
      const locked = this.locked(list.kind, key);
      if (!locked) {
        decisions.push({ method, kind: list.kind, item: key, verdict: 'withheld', reason: 'not in the lock' });
        continue;
      }
      const digest = this.digest(list.kind, key, locked);
      if (liveDigest(item) !== digest) {
        decisions.push({ method, kind: list.kind, item: key, digest, verdict: 'withheld', reason: 'its definition differs from the locked one' });
        continue;
      }
      kept.push(item);
    }
    decisions.push({ method, verdict: 'allowed', reason: `${kept.length} of ${items.length} ${list.field} as locked` });
    return { result: { ...result, [list.field]: kept }, decisions };
  }

  /** Decides whether a request from the agent may reach the server. */
  checkRequest(method: string, params: unknown): Decision {
    const p = isObject(params) ? params : {};
    switch (method) {
      case 'tools/call':
        return this.checkToolCall(p);
      case 'prompts/get':
        return this.checkPrompt(p);
      case 'resources/read':
      case 'resources/subscribe':
        return this.checkResource(method, p.uri);
      case 'completion/complete':
        return this.checkCompletion(p);
      default:
        if (PASS_METHODS.has(method)) return { method, verdict: 'allowed', reason: 'reads nothing outside the lock' };
        // Unknown methods are refused (fail closed): the proxy cannot judge what they reach.
        return { method, verdict: 'blocked', reason: `the proxy does not pass the method "${method}"` };
    }
  }

  private checkToolCall(p: Record<string, unknown>): Decision {
    const method = 'tools/call';
    const name = p.name;
    if (typeof name !== 'string') return { method, verdict: 'blocked', reason: 'no tool name' };
    const locked = this.locked('tool', name);
    if (!locked) return { method, kind: 'tool', item: name, verdict: 'blocked', reason: 'the tool is not in the lock' };
    const digest = this.digest('tool', name, locked);
    let schema = this.inputs.get(name);
    if (!schema) this.inputs.set(name, (schema = compileSchema(locked.inputSchema)));
    if ('error' in schema) return { method, kind: 'tool', item: name, digest, verdict: 'blocked', reason: schema.error };
    const args = p.arguments === undefined ? {} : p.arguments;
    const check = schema.validate(args);
    if (!check.ok) return { method, kind: 'tool', item: name, digest, verdict: 'blocked', reason: `arguments do not match the locked inputSchema: ${check.reason}` };
    return { method, kind: 'tool', item: name, digest, verdict: 'allowed', reason: 'locked tool, arguments match its inputSchema' };
  }

  /**
   * Checks a tools/call result against the locked tool's `outputSchema`. A tool with one must
   * return `structuredContent` that validates (MCP 2025-06-18 "Output Schema"); an error
   * result (`isError`) is passed as it is.
   */
  checkToolResult(name: string, result: unknown): Decision {
    const method = 'tools/call';
    const locked = this.locked('tool', name);
    if (!locked || locked.outputSchema === undefined) return { method, kind: 'tool', item: name, verdict: 'allowed', reason: 'no locked outputSchema' };
    const digest = this.digest('tool', name, locked);
    if (isObject(result) && result.isError === true) return { method, kind: 'tool', item: name, digest, verdict: 'allowed', reason: 'an error result' };
    let schema = this.outputs.get(name);
    if (!schema) this.outputs.set(name, (schema = compileSchema(locked.outputSchema)));
    if ('error' in schema) return { method, kind: 'tool', item: name, digest, verdict: 'blocked', reason: `outputSchema: ${schema.error}` };
    if (!isObject(result) || !isObject(result.structuredContent)) {
      return { method, kind: 'tool', item: name, digest, verdict: 'blocked', reason: 'the result has no structuredContent, but the locked tool has an outputSchema' };
    }
    const check = schema.validate(result.structuredContent);
    if (!check.ok) return { method, kind: 'tool', item: name, digest, verdict: 'blocked', reason: `structuredContent does not match the locked outputSchema: ${check.reason}` };
    return { method, kind: 'tool', item: name, digest, verdict: 'allowed', reason: 'structuredContent matches the locked outputSchema' };
  }

  private checkPrompt(p: Record<string, unknown>): Decision {
    const method = 'prompts/get';
    const name = p.name;
    if (typeof name !== 'string') return { method, verdict: 'blocked', reason: 'no prompt name' };
    const locked = this.locked('prompt', name);
    if (!locked) return { method, kind: 'prompt', item: name, verdict: 'blocked', reason: 'the prompt is not in the lock' };
    const digest = this.digest('prompt', name, locked);
    const given = p.arguments === undefined ? {} : p.arguments;
    if (!isObject(given)) return { method, kind: 'prompt', item: name, digest, verdict: 'blocked', reason: 'arguments is not an object' };
    const declared: Record<string, unknown>[] = Array.isArray(locked.arguments) ? (locked.arguments as unknown[]).filter(isObject) : [];
    const names = new Set(declared.map((a) => a.name).filter((n): n is string => typeof n === 'string'));
    for (const [key, value] of Object.entries(given)) {
      if (!names.has(key)) return { method, kind: 'prompt', item: name, digest, verdict: 'blocked', reason: `argument "${key}" is not one the locked prompt declares` };
      if (typeof value !== 'string') return { method, kind: 'prompt', item: name, digest, verdict: 'blocked', reason: `argument "${key}" is not a string` };
    }
    for (const arg of declared) {
      if (arg.required === true && typeof arg.name === 'string' && !Object.hasOwn(given, arg.name)) {
        return { method, kind: 'prompt', item: name, digest, verdict: 'blocked', reason: `required argument "${arg.name}" is missing` };
      }
    }
    return { method, kind: 'prompt', item: name, digest, verdict: 'allowed', reason: 'locked prompt, its required arguments given' };
  }

  /** Whether a resource URI is a locked resource or an expansion of a locked template. */
  checkResource(method: string, uri: unknown): Decision {
    if (typeof uri !== 'string') return { method, verdict: 'blocked', reason: 'no resource uri' };
    if (uri.length > MAX_URI_LENGTH) return { method, kind: 'resource', verdict: 'blocked', reason: `the uri is longer than ${MAX_URI_LENGTH} characters` };
    const locked = this.locked('resource', uri);
    if (locked) return { method, kind: 'resource', item: uri, digest: this.digest('resource', uri, locked), verdict: 'allowed', reason: 'a locked resource' };
    if (hasDotSegment(uri)) return { method, kind: 'resource', item: uri, verdict: 'blocked', reason: 'the uri holds a dot segment (. or ..)' };
    let refusal = 'neither a locked resource nor an expansion of a locked resource template';
    for (const { template, parts } of this.lockedTemplates()) {
      if (!parts) continue;
      const match = matchTemplate(parts, uri);
      if (match.ok) {
        const digest = this.digest('resourceTemplate', template, this.locked('resourceTemplate', template)!);
        return { method, kind: 'resourceTemplate', item: uri, digest, verdict: 'allowed', reason: `matches the locked template ${template}` };
      }
      if (match.reason !== 'does not match' && !match.reason.startsWith('does not match ')) refusal = `${match.reason} (template ${template})`;
    }
    return { method, kind: 'resource', item: uri, verdict: 'blocked', reason: refusal };
  }

  private lockedTemplates(): { template: string; parts: ReturnType<typeof parseTemplate> }[] {
    this.templates ??= Object.keys(this.server.surface.resourceTemplates)
      .sort()
      .map((template) => ({ template, parts: parseTemplate(template) }));
    return this.templates;
  }

  /** Completions only for a locked prompt's arguments or a locked template's variables. */
  private checkCompletion(p: Record<string, unknown>): Decision {
    const method = 'completion/complete';
    const ref = isObject(p.ref) ? p.ref : {};
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
      const locked = this.locked('prompt', ref.name);
      if (locked) return { method, kind: 'prompt', item: ref.name, digest: this.digest('prompt', ref.name, locked), verdict: 'allowed', reason: 'a locked prompt' };
      return { method, kind: 'prompt', item: ref.name, verdict: 'blocked', reason: 'the prompt is not in the lock' };
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const locked = this.locked('resourceTemplate', ref.uri);
      if (locked) return { method, kind: 'resourceTemplate', item: ref.uri, digest: this.digest('resourceTemplate', ref.uri, locked), verdict: 'allowed', reason: 'a locked resource template' };
      return { method, kind: 'resourceTemplate', item: ref.uri, verdict: 'blocked', reason: 'the resource template is not in the lock' };
    }
    return { method, verdict: 'blocked', reason: 'the completion names neither a prompt nor a resource template' };
  }

  /** The server's own notice that a resource changed reaches the agent only for URIs it may read. */
  checkResourceUpdate(uri: unknown): boolean {
    return this.checkResource('notifications/resources/updated', uri).verdict === 'allowed';
  }
}

const LISTS_BY_KIND: Record<ItemKind, 'tools' | 'prompts' | 'resources' | 'resourceTemplates'> = {
  tool: 'tools',
  prompt: 'prompts',
  resource: 'resources',
  resourceTemplate: 'resourceTemplates',
};

/**
 * A live item's digest, or undefined when it has none: a number JSON reads as Infinity (1e400)
 * has no canonical form, and an item holding one is not the locked item (which has none).
 */
function liveDigest(item: unknown): string | undefined {
  try {
    return digestOf(item as JsonValue);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}
