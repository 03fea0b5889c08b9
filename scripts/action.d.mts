/** An action input that cannot be used: the action exits 2 with a message naming the input. */
export class InputError extends Error {}

export interface ActionInputs {
  lock: string;
  sig: string;
  keys: string[];
  keyring: string;
  threshold: string;
  requireSignature: boolean;
  allowUnknownSigners: boolean;
  policy: string;
  preset: string;
  command: string[];
  url: string;
  config: string;
  servers: string[];
  headers: string[];
  env: string[];
  ruleTimeout: string;
  failOn: 'any' | 'breaking' | 'security' | 'none';
  format: 'text' | 'json';
  junitFile: string;
  sarifFile: string;
  version: string;
}

export interface ActionOutputs {
  result: 'pass' | 'fail' | 'error';
  drift: 'true' | 'false' | '';
  'max-severity': string;
  'lockfile-digest': string;
  /** JSON, printable ASCII: { [server]: { locked: "sha256:…" | null, live: "sha256:…" | null } }. */
  digests: string;
}

/** The largest job summary written (GitHub refuses more than 1 MiB). */
export const MAX_SUMMARY_BYTES: number;

/** Splits the action's `command` input into argv, without a shell (see scripts/action.mjs). */
export function splitCommand(text: string): string[];
/** Every INPUT_* variable, checked; throws InputError naming the first bad input. */
export function readInputs(env?: Record<string, string | undefined>): ActionInputs;
/** The argv of `mcptrust check` for these inputs, with the JSON and markdown reports of the same run. */
export function checkArgsFor(inputs: ActionInputs, files?: { json?: string; markdown?: string }): string[];
/**
 * The argv of `mcptrust check` from the INPUT_* environment variables. Throws (no trusted keys)
 * when a signature is required — unless INPUT_REQUIRE_SIGNATURE is "false" — and no key or keyring is given.
 */
export function checkArgs(format: 'text' | 'json'): string[];
/** JSON as single-line printable ASCII (\uXXXX escapes for everything else). */
export function asciiJson(value: unknown): string;
/** $GITHUB_OUTPUT text: `name<<DELIMITER` / value / `DELIMITER`; throws if a value holds the delimiter or a line break. */
export function formatOutputs(outputs: Record<string, string>, delimiter?: string): string;
/** The step's outputs from mcptrust check's exit code, its --json report and the lockfile bytes. */
export function actionOutputs(exitCode: number, json: unknown, lockBytes: Uint8Array | undefined): ActionOutputs;
/** The job summary: mcptrust's markdown (cut at a line below MAX_SUMMARY_BYTES), or why there is none. */
export function summaryText(exitCode: number, markdown: string | undefined): string;
