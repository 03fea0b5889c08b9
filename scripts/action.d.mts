/** Splits the action's `command` input into argv, without a shell (see scripts/action.mjs). */
export function splitCommand(text: string): string[];
/** The argv of `mcptrust check` from the INPUT_* environment variables. */
export function checkArgs(format: 'text' | 'json'): string[];
