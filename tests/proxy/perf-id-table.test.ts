// The requests in flight are kept in src/proxy/id-table.ts (a fixed array for integer ids, a Map
// for the rest) instead of Maps set and emptied once a call, whose replaced hash tables were
// promoted and held until a full collection (the proxy's peak RSS grew with the call count).
// Pinned here: it answers exactly as a Map keyed by id would, whatever ids a peer picks
// (colliding slots, the string "1" against the number 1, negative and fractional numbers), and a
// session keeps two agent requests whose ids share a slot apart.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../src/proxy/id-table.js';
import { inProcessSession } from './in-process.js';

describe('IdTable', () => {
  it('agrees with a Map on every operation for ids that share slots, strings, negatives, fractions and large integers', () => {
    const table = new IdTable<string>();
    const model = new Map<string | number, string>();
    const ids: (string | number)[] = [0, 1, '1', 1025, 2049, -1, -1025, 1.5, 1023, '1023', 2 ** 40 + 1, Number.MAX_SAFE_INTEGER, 2 ** 60, 'a', ''];
    // A fixed pseudo-random walk of adds and removes (the same every run).
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let step = 0; step < 5000; step++) {
      const id = ids[next() % ids.length]!;
      if (model.has(id)) {
        expect(table.delete(id)).toBe(model.get(id));
        model.delete(id);
      } else {
        expect(table.delete(id)).toBeUndefined();
        table.set(id, `v${step}`);
        model.set(id, `v${step}`);
      }
      expect(table.size).toBe(model.size);
      for (const probe of ids) expect(table.get(probe)).toBe(model.get(probe));
    }
    const sorted = (entries: [string | number, string][]) => entries.map(([k, v]) => `${typeof k}:${k}=${v}`).sort();
    expect(sorted(table.entries())).toEqual(sorted([...model]));
  });

  it('keeps 1,000 sequential ids at once, then none', () => {
    const table = new IdTable<number>();
    for (let id = 5000; id < 6000; id++) table.set(id, id * 2);
    expect(table.size).toBe(1000);
    for (let id = 5000; id < 6000; id++) expect(table.get(id)).toBe(id * 2);
    expect(table.get(6000)).toBeUndefined();
    expect(table.get(4999)).toBeUndefined();
    for (let id = 5000; id < 6000; id++) expect(table.delete(id)).toBe(id * 2);
    expect(table.size).toBe(0);
    expect(table.entries()).toEqual([]);
  });
});


/** Holds every tools/call until told to answer it (by the proxy's id), answering with the name it was called with. */
class HoldingServer implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  readonly held: { id: number; name: string }[] = [];
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as { id?: number; method?: string; params?: { arguments?: { name?: string } } };
    if (m.id !== undefined && m.method === 'tools/call') this.held.push({ id: m.id, name: m.params?.arguments?.name ?? '' });
  }
  answer(index: number): void {
    const { id, name } = this.held[index]!;
    this.onmessage?.({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: name }] } });
  }
}

describe('a session with agent ids that share a slot', () => {
  it('answers each id with its own result, refuses a duplicate in flight, and tells 5 from "5"', async () => {
    const upstream = new HoldingServer();
    const { session, call, received, end } = inProcessSession(upstream);
    await session.start();
    const settled = async (count: number) => {
      for (let i = 0; i < 200 && received.length < count; i++) await new Promise((r) => setTimeout(r, 5));
      return received;
    };
    // 5, 1029 and 2053 share slot 5; "5" is another id; a second 1029 while the first waits is refused.
    call(5, 'five');
    call(1029, 'ten-twenty-nine');
    call(2053, 'twenty-fifty-three');
    call('5', 'string-five');
    call(1029, 'again');
    await settled(1);
    expect(received).toEqual([{ jsonrpc: '2.0', id: 1029, error: { code: -32600, message: 'Invalid Request: this id is already in use by a request in flight' } }]);
    expect(upstream.held.map((h) => h.name)).toEqual(['five', 'ten-twenty-nine', 'twenty-fifty-three', 'string-five']);
    // Answered out of order: each result goes back under the agent's own id.
    for (const index of [2, 0, 3, 1]) upstream.answer(index);
    await settled(5);
    const results = received.slice(1).map((m) => [m.id, (m.result as { content: { text: string }[] }).content[0]!.text]);
    expect(results).toEqual([
      [2053, 'twenty-fifty-three'],
      [5, 'five'],
      ['5', 'string-five'],
      [1029, 'ten-twenty-nine'],
    ]);
    // A second answer to an id already answered is dropped, and 1029 can be used again.
    upstream.answer(1);
    call(1029, 'reused');
    upstream.answer(4);
    await settled(6);
    expect(received.slice(5)).toEqual([{ jsonrpc: '2.0', id: 1029, result: { content: [{ type: 'text', text: 'reused' }] } }]);
    end();
  });
});
