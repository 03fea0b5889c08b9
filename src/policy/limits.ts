/** The largest policy file accepted (the CLI reads files with this bound). */
export const MAX_POLICY_BYTES = 1024 * 1024;
