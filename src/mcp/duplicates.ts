import { ITEM_KEY_FIELD, type ItemKind } from '../lockfile/types.js';
import { findDuplicateKey, formatJsonPath, nestingExceeds } from '../util/json.js';
import { printable } from '../util/text.js';
import { ServerError } from './errors.js';

const LIST_KINDS: Record<string, ItemKind> = { tools: 'tool', prompts: 'prompt', resources: 'resource', resourceTemplates: 'resourceTemplate' };

/**
 * A JSON-RPC message whose text repeats a member name in one object. JSON.parse keeps the last
 * one silently, another client may keep the first: the agent and mcptrust could then see two
 * different definitions. A protocol violation (exit 3), named by list and item, never resolved.
 * Linear in the text (see findDuplicateKey); `text` is exactly what was parsed into `message`.
 * Attacker-controlled: the key and the item's name are shown escaped and cut.
 */
export function duplicateKeyError(text: string, message: unknown): ServerError | undefined {
  const found = findDuplicateKey(text, message);
  if (!found) return undefined;
  const key = `"${printable(found.key, 80)}"`;
  const [top, field, index, ...rest] = found.path;
  const kind = typeof field === 'string' && Object.hasOwn(LIST_KINDS, field) ? LIST_KINDS[field] : undefined;
  if (top === 'result' && kind && typeof index === 'number') {
    const list = ((message as { result?: Record<string, unknown> }).result?.[field as string] ?? []) as unknown[];
    const name = (list[index] as Record<string, unknown> | undefined)?.[ITEM_KEY_FIELD[kind]];
    const item = typeof name === 'string' ? `${kind} "${printable(name, 80)}"` : `a ${kind}`;
    const where = rest.length === 0 ? 'at the top of its definition' : `in ${printable(formatJsonPath(rest, found.truncated).slice(1).replace(/^\./, ''), 120)}`;
    return new ServerError(
      'DUPLICATE_KEY',
      `server sent ${item} (item ${index + 1} of its ${field} list) with the key ${key} twice ${where}; JSON parsers disagree on which one counts, so mcptrust refuses the definition`,
    );
  }
  return new ServerError(
    'DUPLICATE_KEY',
    `server sent a message with the key ${key} twice in ${printable(formatJsonPath(found.path, found.truncated), 120)}; JSON parsers disagree on which one counts, so mcptrust refuses it`,
  );
}

/**
 * Deepest JSON-RPC message read. The item depth bound (256 levels) is checked on the parsed
 * message and names the item; this one is far above it and only keeps JSON.parse from building
 * millions of nested arrays (a 16 MiB line of "[" took 15 s and 700 MB before any bound ran).
 */
export const MAX_MESSAGE_DEPTH = 16_384;

/**
 * A message nested deeper than MAX_MESSAGE_DEPTH, found on its raw text before it is parsed.
 * One pass, constant memory: brackets inside strings (escapes skipped) do not count.
 * Attacker-controlled text; nothing of it is quoted.
 */
export function messageTooDeepError(text: string): ServerError | undefined {
  if (!nestingExceeds(text, MAX_MESSAGE_DEPTH)) return undefined;
  return new ServerError('ITEM_TOO_DEEP', `server sent a message nested more than ${MAX_MESSAGE_DEPTH} levels deep (mcptrust stopped reading there; the limit per item is 256 levels)`);
}

/** A message whose bytes are not UTF-8: MCP messages are UTF-8 JSON, and a lossy decoding would pin text the server never sent. */
export function notUtf8Error(): ServerError {
  return new ServerError('PROTOCOL', 'server sent a message that is not valid UTF-8 (MCP messages are UTF-8 JSON text)');
}
