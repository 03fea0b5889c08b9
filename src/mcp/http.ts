import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { formatBytes } from '../util/text.js';
import { duplicateKeyError, messageTooDeepError, notUtf8Error } from './duplicates.js';
import { ServerError } from './errors.js';

/**
 * Looks at the JSON-RPC text of one response as it streams through, for what the SDK's
 * JSON.parse would hide: duplicate member names (see duplicateKeyError). A JSON body is checked
 * whole at its end; an event stream event by event, each before the chunk that completes it is
 * passed on, so the SDK never dispatches a message that was not checked. Linear in the body.
 */
class MessageChecker {
  // Fatal: bytes that are not UTF-8 are refused (notUtf8Error), never replaced.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly pieces: string[] = [];
  private dataLines: string[] | undefined;
  private skipLineFeed = false;
  /** UTF-16 units of the line being read (pieces) and of the data lines of the event not yet dispatched. */
  private lineUnits = 0;
  private dataUnits = 0;
  /** No text of the stream read yet: the SDK's parser drops "ï»¿" at its start (see feed). */
  private first = true;

  constructor(readonly stream: boolean) {}

  /** How much of an event stream is held for the event not yet complete (see createBoundedFetch). */
  get pending(): number {
    return this.lineUnits + this.dataUnits;
  }

  /** Takes the next chunk; returns the first problem of an event it completes. */
  push(chunk: Uint8Array): ServerError | undefined {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return notUtf8Error();
    }
    if (!this.stream) {
      this.pieces.push(text);
      return undefined;
    }
    return this.feed(text);
  }

  /** The body has ended; returns the problem of a JSON body, if any. */
  end(): ServerError | undefined {
    let rest: string;
    try {
      rest = this.decoder.decode();
    } catch {
      return notUtf8Error();
    }
    if (this.stream) return this.feed(rest);
    this.pieces.push(rest);
    return check(this.pieces.join(''));
  }

  // Server-sent events (HTML Living Standard §9.2.6): lines end with CR, LF or CRLF; an empty
  // line dispatches the event, whose data is its "data:" lines joined with LF.
  private feed(text: string): ServerError | undefined {
    // The SDK's parser (eventsource-parser) drops U+00EF U+00BB U+00BF, a byte-order mark read
    // as Latin-1, from the start of its first chunk (the decoder has already dropped a real
    // one): read the stream as it does, or the first line it takes as data is not checked.
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.startsWith('\u00ef\u00bb\u00bf')) text = text.slice(3);
    }
    let i = 0;
    if (this.skipLineFeed && text.charCodeAt(0) === 0x0a) i = 1;
    this.skipLineFeed = false;
    let start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.pieces.push(text.slice(start, i));
      const line = this.pieces.join('');
      this.pieces.length = 0;
      this.lineUnits = 0;
      const problem = this.onLine(line);
      if (problem) return problem;
      if (c === 0x0d) {
        if (i + 1 >= text.length) this.skipLineFeed = true;
        else if (text.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    if (start < text.length) {
      this.pieces.push(text.slice(start));
      this.lineUnits += text.length - start;
    }
    return undefined;
  }

  private onLine(line: string): ServerError | undefined {
    if (line === '') {
      const data = this.dataLines;
      this.dataLines = undefined;
      this.dataUnits = 0;
      return data ? check(data.join('\n')) : undefined;
    }
    // A line "data" with no colon is a data field with an empty value (HTML §9.2.6): each one
    // grows the event by a line feed, and counts against its bound.
    if (line.startsWith('data:') || line === 'data') {
      const value = line.slice(line.charCodeAt(5) === 0x20 ? 6 : 5);
      (this.dataLines ??= []).push(value);
      // The whole line, field name and end included: millions of empty data lines cost the
      // SDK's parser a string node each, so they count as what they take on the wire.
      this.dataUnits += line.length + 1;
    }
    return undefined;
  }
}

const eventTooLarge = (maxBytes: number) => new ServerError('MESSAGE_TOO_LARGE', `server sent an event of more than ${formatBytes(maxBytes)}, the limit per message`);

function check(text: string): ServerError | undefined {
  const tooDeep = messageTooDeepError(text);
  if (tooDeep) return tooDeep;
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    // Not JSON (the legacy SSE "endpoint" event is a URL): the SDK judges it.
    return undefined;
  }
  return duplicateKeyError(text, message);
}

/**
 * A fetch whose response bodies are cut off past `maxBytes`: the SDK's HTTP transports read
 * whole bodies and SSE streams without a bound, and a hostile server could stream forever.
 * JSON-RPC messages are also checked for duplicate member names on their raw text. The first
 * problem is recorded in `state.failure` so the caller can report it by name, and
 * `state.onFailure` is called once (the caller closes the transport, ending pending requests).
 */
/**
 * Holds every response body of a bounded fetch while closed: a chunk waits in the stream until
 * the gate opens, so the body is not read further, the socket's buffers fill, and the server is
 * held as a full pipe holds a stdio server (the proxy closes it while its agent is not reading).
 */
export class ReadGate {
  private waiting: Promise<void> | undefined;
  private release: (() => void) | undefined;

  get closed(): boolean {
    return this.waiting !== undefined;
  }

  close(): void {
    this.waiting ??= new Promise<void>((resolve) => (this.release = resolve));
  }

  open(): void {
    const release = this.release;
    this.waiting = undefined;
    this.release = undefined;
    release?.();
  }

  /** Resolves when the gate is open (at once when it is). */
  passed(): Promise<void> | undefined {
    return this.waiting;
  }
}

/**
 * What the bodies of one transport hold for messages not yet complete (a JSON body whole, an
 * event stream's event not yet dispatched), counted together: N requests in flight would
 * otherwise let an HTTP server make its client hold N unfinished messages of `maxBytes` each
 * (a stdio server can hold one). Past `limit` a body reads on only if it is the oldest holder,
 * so the message begun first always completes, and the others wait in their sockets until it
 * has: the server is held, as a stdio server behind a full pipe.
 */
class HoldBudget {
  /** Bodies that hold something, oldest first, with what each holds. */
  private readonly holders = new Map<object, number>();
  private total = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves when `body` may read on (at once, `undefined`, when it may now). */
  admit(body: object): Promise<void> | undefined {
    if (this.total < this.limit || this.holders.keys().next().value === body) return undefined;
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Records that `body` now holds `bytes` (0: nothing, or it has ended). */
  hold(body: object, bytes: number): void {
    const before = this.holders.get(body) ?? 0;
    if (bytes === before) return;
    this.total += bytes - before;
    if (bytes === 0) this.holders.delete(body);
    else this.holders.set(body, bytes);
    if (bytes < before) this.wake();
  }

  /** Every waiting body checks again (admit); a few requests are in flight, not thousands. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function createBoundedFetch(maxBytes: number, state: { failure?: ServerError; onFailure?: () => void }, gate?: ReadGate): FetchLike {
  const fail = (failure: ServerError) => {
    const first = state.failure === undefined;
    state.failure ??= failure;
    // The SDK may only log a broken event stream and wait for the request's timeout: end now.
    if (first) state.onFailure?.();
  };
  const budget = new HoldBudget(maxBytes);
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const type = response.headers.get('content-type') ?? '';
    const checker = type.includes('text/event-stream') ? new MessageChecker(true) : type.includes('json') ? new MessageChecker(false) : undefined;
    const reader = response.body.getReader();
    const self = {};
    let seen = 0;
    let cancelled = false;
    const stop = (controller: ReadableStreamDefaultController<Uint8Array>, problem: ServerError) => {
      budget.hold(self, 0);
      controller.error(problem);
      fail(problem);
      void reader.cancel(problem).catch(() => {});
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // While the gate is closed, or others hold the budget, the body is not read further.
        await gate?.passed();
        for (let wait = budget.admit(self); wait !== undefined && !cancelled; wait = budget.admit(self)) await wait;
        if (cancelled) return;
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          budget.hold(self, 0);
          controller.error(error);
          return;
        }
        if (next.done) {
          budget.hold(self, 0);
          const problem = checker?.end();
          if (problem) stop(controller, problem);
          else controller.close();
          return;
        }
        const chunk = next.value;
        // A body is bounded whole; an event stream event by event (a proxied session's stream
        // may carry any number of messages over hours, each within the bound).
        seen += chunk.byteLength;
        if (seen > maxBytes && !checker?.stream) {
          stop(controller, new ServerError('MESSAGE_TOO_LARGE', `server sent a response of more than ${formatBytes(maxBytes)}, the limit per response`));
          return;
        }
        const problem = checker?.push(chunk) ?? (checker !== undefined && checker.pending > maxBytes ? eventTooLarge(maxBytes) : undefined);
        if (problem) {
          stop(controller, problem);
          return;
        }
        budget.hold(self, checker?.stream ? checker.pending : seen);
        controller.enqueue(chunk);
      },
      cancel(reason) {
        cancelled = true;
        budget.hold(self, 0);
        budget.wake();
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
