import type { IO } from './io.js';

/** What a command registration gets: the I/O and the way to set the exit code. */
export interface CommandContext {
  io: IO;
  setExitCode(code: number): void;
}
