/** Splits the action's `command` input into argv, without a shell (see scripts/action.mjs). */
export function splitCommand(text: string): string[];
