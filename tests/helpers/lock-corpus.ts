// Lockfiles as `lock` writes them, for the tests of the readers that must accept them
// (tests/lockfile/fast-check.test.ts, tests/lockfile/read.test.ts): several servers with every
// kind of item and transport, every artifact type, property and item names that sort differently
// in UTF-8, UTF-16 and JavaScript enumeration, and the bench's synthetic tools.
import { createHash } from 'node:crypto';
import type { ArtifactPin } from '../../src/artifact/types.js';
import type { JsonObject, JsonValue } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import type { LockedServer, TransportRecord } from '../../src/lockfile/types.js';
import { syntheticTool } from '../../scripts/bench/lib.mjs';

// ---------------------------------------------------------------------------------------------
// Building lockfiles as lock writes them
// ---------------------------------------------------------------------------------------------

/** A plain object with exactly these own members, "__proto__" included (an object literal would set the prototype). */
export function obj(entries: [string, JsonValue][]): JsonObject {
  const o: JsonObject = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

export function records(items: JsonObject[], key: string): Record<string, JsonObject> {
  const r = Object.create(null) as Record<string, JsonObject>;
  for (const item of items) r[item[key] as string] = item;
  return r;
}

export interface ServerSpec {
  name: string;
  transport?: TransportRecord;
  instructions?: string;
  serverInfo?: JsonObject;
  capabilities?: JsonObject;
  tools?: JsonObject[];
  prompts?: JsonObject[];
  resources?: JsonObject[];
  resourceTemplates?: JsonObject[];
  artifact?: ArtifactPin;
}

export function server(spec: ServerSpec): LockedServer {
  const s: LockedServer = {
    name: spec.name,
    transport: spec.transport ?? { type: 'stdio', command: 'node', args: [`${spec.name}.mjs`], env: [] },
    surface: {
      identity: { serverInfo: spec.serverInfo ?? { name: spec.name, version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: spec.capabilities ?? { tools: {} } },
      tools: records(spec.tools ?? [], 'name'),
      prompts: records(spec.prompts ?? [], 'name'),
      resources: records(spec.resources ?? [], 'uri'),
      resourceTemplates: records(spec.resourceTemplates ?? [], 'uriTemplate'),
    },
  };
  if (spec.instructions !== undefined) s.surface.identity.instructions = spec.instructions;
  if (spec.artifact !== undefined) s.artifact = spec.artifact;
  return s;
}

export const lockOf = (...servers: ServerSpec[]) => serializeLockfile(createLockfile(servers.map(server)));

export const sri = (bytes: string, algorithm: 'sha512' | 'sha256' = 'sha512') => `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
export const hex = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

/** The same shapes as tests/pin/pins.ts and bench's syntheticTool. */
export const NPM_PIN: ArtifactPin = {
  type: 'npm',
  spec: '@acme/notes@^1',
  name: '@acme/notes',
  version: '1.0.0',
  integrity: sri('v1'),
  dependencies: [
    { path: 'node_modules/@acme/notes', name: '@acme/notes', version: '1.0.0', integrity: sri('v1') },
    { path: 'node_modules/left-pad', name: 'left-pad', version: '2.0.0', integrity: sri('dep') },
  ],
  provenance: { verified: true, sourceRepository: 'https://github.com/acme/notes', sourceCommit: 'a'.repeat(40), workflow: '.github/workflows/release.yml', builder: 'https://github.com/actions/runner' },
};
export const PYPI_PIN: ArtifactPin = {
  type: 'pypi',
  spec: 'notes-mcp==2.1',
  name: 'notes-mcp',
  version: '2.1',
  distributions: [
    { filename: 'notes_mcp-2.1-py3-none-any.whl', sha256: hex('whl') },
    { filename: 'notes_mcp-2.1.tar.gz', sha256: hex('sdist') },
  ],
  provenance: { verified: false, reason: 'no attestation published' },
};
export const OCI_PIN: ArtifactPin = { type: 'oci', spec: 'ghcr.io/acme/notes:1', name: 'ghcr.io/acme/notes', version: '1', integrity: `sha256:${hex('image')}` };
export const LOCAL_PIN: ArtifactPin = {
  type: 'local',
  files: [
    { path: './server.mjs', integrity: sri('console.log(1)', 'sha256') },
    // Sorted in UTF-16 order (as artifactJson sorts): U+1F600 (D83D DE00) before U+E000.
    { path: './\u{1F600}.mjs', integrity: sri('smile', 'sha256') },
    { path: './\uE000.mjs', integrity: sri('private use', 'sha256') },
  ],
};
export const UNPINNED_PIN: ArtifactPin = { type: 'unpinned', spec: 'weird-launcher run', note: `${'n'.repeat(4094)}\u{1F600}` };


export const WEIRD_TEXT = 'café naïve 日本語 — 😀🎉 \uE000\uF8FF\uFFFD\uFFFF line\nbreak\ttab \u0001\u001f\u007f \b\f\r "quoted" back\\slash /slash \u2028\u2029 \u0080\u00ff';

export const RICH = lockOf(
  {
    name: 'alpha',
    transport: { type: 'stdio', command: 'npx', args: ['-y', '@acme/notes@^1', '--flag=a b'], env: ['NOTES_TOKEN', 'HOME'] },
    instructions: `Use these tools carefully.\n${WEIRD_TEXT}`,
    capabilities: { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {} },
    artifact: NPM_PIN,
    tools: [
      { name: 'echo', description: 'Echo the input', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
      { name: 'weird', description: WEIRD_TEXT, inputSchema: { type: 'object', properties: {}, required: [] }, annotations: { title: 'Weird — 😀', destructiveHint: false, openWorldHint: true } },
      {
        name: 'numbers',
        description: 'Numbers as lock writes them',
        inputSchema: {
          type: 'object',
          properties: { n: { type: 'number', minimum: -1, maximum: 1.5, default: 0, multipleOf: 0.1 } },
          examples: [0, -1, 1.5, 1e21, 1e-7, 123456789012345678, 0.1, 5e-324, -1.7976931348623157e308, 2 ** 53, 1e300, 0.000001, 100, null, true, false],
        },
      },
    ],
    prompts: [{ name: 'summarize', description: 'Summarize a note', arguments: [{ name: 'id', required: true }, { name: 'style' }] }],
    resources: [{ uri: 'notes://all', name: 'All notes', mimeType: 'application/json' }],
    resourceTemplates: [{ uriTemplate: 'notes://{id}', name: 'A note', description: 'One note by id' }],
  },
  {
    name: 'beta',
    transport: { type: 'streamable-http', url: 'https://mcp.example.com/mcp?x=1&y=2', headers: ['Authorization', 'X-Api-Key'] },
    tools: [{ name: 'search', description: 'Search the web', inputSchema: { type: 'object', properties: { q: { type: 'string', minLength: 1 } } } }],
    resources: [{ uri: 'file:///tmp/a b.txt', name: 'A file' }],
  },
  {
    name: 'gamma',
    transport: { type: 'sse', url: 'http://localhost:8080/sse', headers: [] },
    serverInfo: { name: 'gamma', version: '0.0.1', title: 'Gamma' },
    prompts: [{ name: 'greet' }],
    resourceTemplates: [{ uriTemplate: 'gamma://{a}/{b}' }],
  },
);

export const PINS = lockOf(
  { name: 'npm', artifact: NPM_PIN, tools: [{ name: 'a', inputSchema: { type: 'object' } }] },
  { name: 'pypi', transport: { type: 'stdio', command: 'uvx', args: ['notes-mcp==2.1'], env: [] }, artifact: PYPI_PIN },
  { name: 'oci', transport: { type: 'stdio', command: 'docker', args: ['run', '-i', 'ghcr.io/acme/notes:1'], env: [] }, artifact: OCI_PIN },
  { name: 'local', artifact: LOCAL_PIN, instructions: '' },
  { name: 'unpinned', artifact: UNPINNED_PIN },
);

export const KEYS = lockOf(
  {
    name: '__proto__',
    tools: [
      {
        name: '__proto__',
        description: 'Property names that sort differently in UTF-8 bytes, UTF-16 units and JavaScript enumeration',
        inputSchema: {
          type: 'object',
          properties: obj([
            ['10', { type: 'integer' }],
            ['9', { type: 'integer' }],
            ['0', {}],
            ['__proto__', { type: 'string' }],
            ['constructor', { type: 'string' }],
            ['toString', {}],
            ['é', { description: 'e acute' }],
            ['日本', {}],
            ['\u{1F600}', { description: 'supplementary plane' }],
            ['\uE000', { description: 'private use, after the surrogates in UTF-16, before F0 in UTF-8' }],
            ['\uFFFF', {}],
            ['', { description: 'empty name' }],
            ['a b', {}],
            ['A', {}],
          ]),
        },
      },
      { name: 'constructor', description: 'x' },
      { name: '\u{1F600}', description: 'emoji tool' },
      { name: '\uE000', description: 'private-use tool' },
      // Integer-like item names: JavaScript enumerates them first, in numeric order.
      { name: '10', description: 'ten' },
      { name: '9', description: 'nine' },
      { name: '0' },
    ],
    prompts: [{ name: '10' }, { name: '9' }],
  },
  { name: '10' },
  { name: '9', tools: [{ name: '10' }, { name: '9' }] },
  { name: 'constructor', capabilities: {}, serverInfo: obj([['__proto__', 'p'], ['name', 'c']]) },
  { name: '\u{1F600}' },
  { name: '\uE000' },
  { name: 'é' },
);

export const EMPTY_SERVERS = lockOf();
export const BARE = lockOf({ name: 'bare', capabilities: {}, serverInfo: {}, tools: [{ name: 'empty', inputSchema: {}, list: [], nested: [[], {}, [{}]] }] });
export const SYNTHETIC = lockOf({ name: 'bench', tools: Array.from({ length: 40 }, (_, i) => syntheticTool(i)) });

export const CORPUS: [string, string][] = [
  ['several servers, every kind of item, stdio/http/sse, npm pin, odd strings and numbers', RICH],
  ['every artifact type', PINS],
  ['odd property and item names', KEYS],
  ['no servers', EMPTY_SERVERS],
  ['empty objects and arrays', BARE],
  ['40 bench tools', SYNTHETIC],
];
