/**
 * Hand-made artifact pins and one-server lockfiles that carry them, for the model, diff and
 * policy tests of tests/pin/ (the CLI tests pin real launches against the loopback registry).
 */
import { createHash } from 'node:crypto';
import type { ArtifactPin } from '../../src/artifact/types.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile } from '../../src/lockfile/build.js';
import type { LockedServer, Lockfile } from '../../src/lockfile/types.js';

/** A real-shaped SRI of some bytes. */
export const sri = (bytes: string, algorithm: 'sha512' | 'sha256' = 'sha512') => `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;

/** An npm pin of `name@version` whose tarball bytes are `bytes`, with one dependency. */
export function npmPin(options: { name?: string; version?: string; bytes?: string; spec?: string; dep?: { version: string; bytes: string } } = {}): ArtifactPin {
  const { name = '@acme/notes', version = '1.0.0', bytes = 'v1', spec = name, dep = { version: '2.0.0', bytes: 'dep' } } = options;
  return {
    type: 'npm',
    spec,
    name,
    version,
    integrity: sri(bytes),
    dependencies: [
      { path: `node_modules/${name}`, name, version, integrity: sri(bytes) },
      { path: 'node_modules/left-pad', name: 'left-pad', version: dep.version, integrity: sri(dep.bytes) },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    provenance: { verified: true, sourceRepository: 'https://github.com/acme/notes', sourceCommit: 'a'.repeat(40), workflow: '.github/workflows/release.yml' },
  };
}

export function localPin(path = './server.mjs', content = 'console.log(1)'): ArtifactPin {
  return { type: 'local', files: [{ path, integrity: sri(content, 'sha256') }] };
}

/** One stdio server `notes` with one tool, the given artifact and args. */
export function pinnedServer(artifact: ArtifactPin | undefined, args: string[] = ['-y', '@acme/notes']): LockedServer {
  const tools = Object.create(null) as Record<string, JsonObject>;
  tools.read = { name: 'read', description: 'Read a note.', inputSchema: { type: 'object' } };
  const server: LockedServer = {
    name: 'notes',
    transport: { type: 'stdio', command: 'npx', args, env: [] },
    surface: {
      identity: { serverInfo: { name: 'notes', version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
      tools,
      prompts: Object.create(null),
      resources: Object.create(null),
      resourceTemplates: Object.create(null),
    },
  };
  if (artifact) server.artifact = artifact;
  return server;
}

export const pinnedLock = (artifact: ArtifactPin | undefined, args?: string[]): Lockfile => createLockfile([pinnedServer(artifact, args)]);
