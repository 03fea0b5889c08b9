// The proxy times out requests with one timer for all of them (src/proxy/session.ts), not one
// timer per call. In process, over a fake server: a request the server never answers still gets
// its timeout error while other calls come and go (each one would have re-armed a per-call
// timer), progress still moves a deadline on, and an answered request is never timed out.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessSession } from './in-process.js';


/** A server that answers every tools/call at once, except for arguments.name "hang" (never) and "slow" (progress every 40 ms, then the answer after 400 ms). */
class FakeServer implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private timers: NodeJS.Timeout[] = [];
  async start(): Promise<void> {}
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as { id?: number; method?: string; params?: { arguments?: { name?: string }; _meta?: { progressToken?: number } } };
    if (m.id === undefined || m.method !== 'tools/call') return;
    const id = m.id;
    const answer = () => this.onmessage?.({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } });
    const name = m.params?.arguments?.name;
    if (name === 'hang') return;
    if (name === 'slow') {
      const token = m.params?._meta?.progressToken;
      let n = 0;
      const tick = setInterval(() => this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token!, progress: ++n } }), 40);
      this.timers.push(tick, setTimeout(() => (clearInterval(tick), answer()), 400));
      return;
    }
    queueMicrotask(answer);
  }
}

function startSession(timeoutMs: number) {
  const { session, call, received, decisions, end } = inProcessSession(new FakeServer(), timeoutMs);
  const answerTo = async (id: number, withinMs: number) => {
    const until = Date.now() + withinMs;
    for (;;) {
      const found = received.find((m) => m.id === id && ('result' in m || 'error' in m));
      if (found) return found;
      if (Date.now() > until) return undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { session, call, answerTo, received, decisions, end };
}

describe('request timeouts with one timer', () => {
  let end: (() => void) | undefined;
  afterEach(() => end?.());

  it('times out the request the server never answers while other calls are answered meanwhile', async () => {
    const s = startSession(300);
    end = s.end;
    await s.session.start();
    s.call(1, 'hang');
    // Calls keep coming and going while request 1 waits (each a set and settled request).
    for (let id = 2; id < 40; id++) {
      s.call(id, 'x');
      expect((await s.answerTo(id, 5_000))?.result).toBeDefined();
      await new Promise((r) => setTimeout(r, 5));
    }
    const timedOut = await s.answerTo(1, 10_000);
    expect(timedOut?.error).toEqual({ code: -32001, message: 'mcptrust proxy: the server did not answer tools/call within 0.3s' });
    expect(s.decisions.filter((d) => /did not answer/.test(d.reason))).toHaveLength(1);
    // Only the hung one timed out.
    expect(s.received.filter((m) => (m.error as { code?: number } | undefined)?.code === -32001)).toHaveLength(1);
  }, 30_000);

  it('progress moves the deadline on: a request answered after 400 ms with progress every 40 ms is not timed out at 150 ms', async () => {
    const s = startSession(150);
    end = s.end;
    await s.session.start();
    s.call(1, 'slow', { progressToken: 'p1' });
    const answer = await s.answerTo(1, 10_000);
    expect(answer?.result).toEqual({ content: [{ type: 'text', text: 'ok' }] });
    expect(s.received.filter((m) => m.method === 'notifications/progress').length).toBeGreaterThan(3);
    // The progress notifications carry the agent's token back.
    expect(s.received.find((m) => m.method === 'notifications/progress')?.params).toMatchObject({ progressToken: 'p1' });
  }, 30_000);

  it('a request with no progress times out once, then the session keeps serving', async () => {
    const s = startSession(100);
    end = s.end;
    await s.session.start();
    s.call(1, 'hang');
    expect((await s.answerTo(1, 10_000))?.error).toMatchObject({ code: -32001 });
    s.call(2, 'x');
    expect((await s.answerTo(2, 5_000))?.result).toBeDefined();
    s.call(3, 'hang');
    expect((await s.answerTo(3, 10_000))?.error).toMatchObject({ code: -32001 });
  }, 30_000);
});
