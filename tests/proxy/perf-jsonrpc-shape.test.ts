// The server side's hot path (src/mcp/stdio.ts) checks the common JSON-RPC shapes by hand and
// leaves everything else to the SDK's JSONRPCMessageSchema. The fast check must never accept
// what the schema refuses, nor hand on anything other than what the schema would return:
// pinned here on hand-written cases (each edge of the schema) and on every combination of
// members drawn from valid and invalid values.
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isPlainJsonRpcMessage } from '../../src/mcp/stdio.js';

const parse = (text: string): unknown => JSON.parse(text);

/** Asserts the fast check is sound for `message`; returns what it said. */
function agrees(message: unknown): boolean {
  const fast = isPlainJsonRpcMessage(message);
  const schema = JSONRPCMessageSchema.safeParse(message);
  if (fast) {
    expect({ message, schema: schema.success }).toEqual({ message, schema: true });
    // What is forwarded is JSON.stringify of the message: byte for byte what the schema returns.
    expect(JSON.stringify(message)).toBe(JSON.stringify(schema.data));
    expect(message).toEqual(schema.data);
  }
  return fast;
}

describe('the hand check of JSON-RPC messages (stdio hot path)', () => {
  it('accepts the common shapes, each of which the schema accepts unchanged', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}',
      '{"jsonrpc":"2.0","id":"a","result":{}}',
      '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x","arguments":{"a":1}}}',
      '{"jsonrpc":"2.0","id":7,"method":"ping"}',
      '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}',
      '{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}',
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no"}}',
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no","data":{"x":[1]}}}',
      '{"jsonrpc":"2.0","error":{"code":-32700,"message":"parse"}}',
    ]) {
      expect({ text, fast: agrees(parse(text)) }).toEqual({ text, fast: true });
    }
  });

  it('leaves to the schema what it does not prove: _meta, extra error members, odd ids, extra members, wrong types', () => {
    for (const text of [
      // valid, but the schema checks _meta or strips error members: the schema decides
      '{"jsonrpc":"2.0","id":1,"result":{"_meta":{"progressToken":1}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"t"}}}',
      '{"jsonrpc":"2.0","method":"notifications/progress","params":{"_meta":{}}}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","extra":true}}',
      // invalid: refused by both
      '{"jsonrpc":"2.0","id":1,"result":{},"extra":1}',
      '{"jsonrpc":"2.0","id":1,"method":"x","extra":1}',
      '{"jsonrpc":"2.0","method":"x","result":{}}',
      '{"jsonrpc":"2.0","id":1.5,"result":{}}',
      '{"jsonrpc":"2.0","id":null,"result":{}}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}}',
      '{"jsonrpc":"2.0","id":true,"method":"x"}',
      '{"jsonrpc":"2.0","id":1,"result":[]}',
      '{"jsonrpc":"2.0","id":1,"result":null}',
      '{"jsonrpc":"2.0","id":1,"method":"x","params":[]}',
      '{"jsonrpc":"2.0","id":1,"method":"x","params":null}',
      '{"jsonrpc":"2.0","id":1,"method":3}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1}}',
      '{"jsonrpc":"2.0","id":1,"error":"x"}',
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}',
      '{"jsonrpc":"1.0","id":1,"result":{}}',
      '{"id":1,"result":{}}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":1,"result":{},"__proto__":{"x":1}}',
      '{"jsonrpc":"2.0","id":9007199254740993,"result":{}}',
      '[{"jsonrpc":"2.0","id":1,"result":{}}]',
      'null',
      '"x"',
    ]) {
      expect({ text, fast: agrees(parse(text)) }).toEqual({ text, fast: false });
    }
  });

  it('is sound on every combination of members from valid and invalid values', () => {
    const values: Record<string, unknown[]> = {
      jsonrpc: [undefined, '2.0', '2', 2],
      id: [undefined, 1, 'a', 1.5, null, 2 ** 53],
      method: [undefined, 'm', 1],
      params: [undefined, { a: 1 }, { _meta: { progressToken: 1.5 } }, [], null],
      result: [undefined, { x: 1 }, { _meta: 'x' }, [], 1],
      error: [undefined, { code: 1, message: 'm', data: null }, { code: 1 }, { code: '1', message: 'm' }, { code: 1, message: 'm', x: 1 }],
      extra: [undefined, 1],
    };
    const keys = Object.keys(values);
    let accepted = 0;
    let total = 0;
    const build = (i: number, message: Record<string, unknown>): void => {
      if (i === keys.length) {
        total++;
        if (agrees(JSON.parse(JSON.stringify(message)))) accepted++;
        return;
      }
      for (const v of values[keys[i]!]!) build(i + 1, v === undefined ? message : { ...message, [keys[i]!]: v });
    };
    build(0, {});
    expect(total).toBe(4 * 6 * 3 * 5 * 5 * 5 * 2);
    // Not vacuous: many combinations take the fast path.
    expect(accepted).toBeGreaterThan(10);
  });
});
