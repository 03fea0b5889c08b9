import { type IO, processStream } from './io.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/**
 * A spinner on stderr, only when stderr is a terminal with a known width (never in CI logs or
 * pipes). A pseudo-terminal that reports 0 columns (some CI runners, `script` without a size)
 * gets none: ora divides by the width to count the lines it must clear, and loops forever.
 */
export async function startProgress(io: IO, text: string): Promise<Progress> {
  if (!io.stderr.isTTY || io.env.CI || !((processStream(2).columns ?? 0) > 0)) return silent;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: processStream(2), color: io.env.NO_COLOR ? false : 'cyan' } as Parameters<typeof ora>[0]).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    stop: () => spinner.stop(),
  };
}
