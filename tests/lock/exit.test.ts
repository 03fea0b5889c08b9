import { describe, expect, it } from 'vitest';
import { exitCodeFor, reportError } from '../../cmd/exit.js';
import type { IO } from '../../cmd/io.js';
import { ServerError } from '../../src/mcp/errors.js';
import { UsageError } from '../../src/errors.js';

function fakeIO(): { io: IO; err: () => string } {
  let err = '';
  const io: IO = { stdout: { write: () => {}, isTTY: false }, stderr: { write: (s) => void (err += s), isTTY: false }, env: {}, cwd: '/' };
  return { io, err: () => err };
}

describe('reportError', () => {
  it('never lets a control character through, whatever the message (server text that escaped printable())', () => {
    for (const error of [new ServerError('PROTOCOL', 'x\u001b]0;pwned\u0007y', { details: ['\u001b[2Jz'] }), new Error('boom \u001b[31m\u009b')]) {
      const { io, err } = fakeIO();
      reportError(error, io, false);
      expect(err()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(err()).toContain('\\u{1b}');
    }
  });

  it('maps categories to the README exit codes, and anything else to 2, without a stack unless --debug', () => {
    expect(exitCodeFor(new ServerError('TIMEOUT', 't'))).toBe(3);
    expect(exitCodeFor(new UsageError('USAGE', 'u'))).toBe(2);
    expect(exitCodeFor(new Error('e'))).toBe(2);
    const { io, err } = fakeIO();
    expect(reportError(new Error('e'), io, false)).toBe(2);
    expect(err()).toBe('internal error: e\nrun again with --debug for details, and please report it\n');
  });
});
