import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { formatBytes } from '../util/text.js';
import { ServerError } from './errors.js';

/**
 * A fetch whose response bodies are cut off past `maxBytes`: the SDK's HTTP transports read
 * whole bodies and SSE streams without a bound, and a hostile server could stream forever.
 * The first overflow is recorded in `state.failure` so the caller can report it by name.
 */
export function createBoundedFetch(maxBytes: number, state: { failure?: ServerError }): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    let seen = 0;
    const limiter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          const failure = new ServerError('MESSAGE_TOO_LARGE', `server sent a response of more than ${formatBytes(maxBytes)}, the limit per response`);
          state.failure ??= failure;
          controller.error(failure);
          return;
        }
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(limiter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
