// Types for drift-surface.mjs, so TypeScript tests can import it.
export declare const SWITCHES: readonly string[];
export interface DriftSurface {
  serverInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  instructions: string;
  tools: Record<string, unknown>[];
  prompts: Record<string, unknown>[];
  resources: Record<string, unknown>[];
  resourceTemplates: Record<string, unknown>[];
}
export declare function driftSurface(switches?: readonly string[]): DriftSurface;
