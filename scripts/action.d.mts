/** Splits the action's `command` input into argv, without a shell (see scripts/action.mjs). */
export function splitCommand(text: string): string[];
/**
 * The argv of `mcptrust check` from the INPUT_* environment variables. Throws (no trusted keys)
 * when a signature is required — unless INPUT_REQUIRE_SIGNATURE is "false" — and no key or keyring is given.
 */
export function checkArgs(format: 'text' | 'json'): string[];
