import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/canonical/index.js';
import { approvalDigest, serializeLockfile, surfaceDigest } from '../../src/lockfile/build.js';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import { MAX_ARTIFACT_DEPENDENCIES } from '../../src/lockfile/artifact.js';
import { oneToolLockText } from '../helpers/lockfiles.js';
import { localPin, npmPin, pinnedLock, pinnedServer, sri } from './pins.js';

/** The lockfile text with its one server's `artifact` replaced by `artifact` (raw JSON). */
function withArtifact(artifact: unknown): string {
  const doc = JSON.parse(serializeLockfile(pinnedLock(npmPin())));
  doc.servers.notes.artifact = artifact;
  return JSON.stringify(doc, null, 2);
}

function refusal(text: string): { code: string; message: string } {
  try {
    parseLockfile(text, 'mcp-lock.json');
  } catch (error) {
    expect(error).toBeInstanceOf(LockfileError);
    return { code: (error as LockfileError).code, message: (error as Error).message };
  }
  throw new Error('the lockfile was accepted');
}

describe('the artifact field of a lockfile', () => {
  it('is written canonically under the server and read back to the same pin and bytes', () => {
    const pin = npmPin();
    const text = serializeLockfile(pinnedLock(pin));
    const doc = JSON.parse(text);
    expect(doc.servers.notes.artifact).toEqual(pin);
    // Canonical: the artifact's keys in RFC 8785 order, like the rest.
    expect(Object.keys(doc.servers.notes.artifact)).toEqual(['dependencies', 'integrity', 'name', 'provenance', 'spec', 'type', 'version']);
    const back = parseLockfile(text);
    expect(back.servers.notes!.artifact).toEqual(pin);
    expect(serializeLockfile(back)).toBe(text);
  });

  it('sorts dependencies and files when writing, whatever order the resolver gave', () => {
    const pin = npmPin();
    const shuffled = { ...pin, dependencies: [...pin.dependencies!].reverse(), files: [{ path: './b.js', integrity: sri('b', 'sha256') }, { path: './a.js', integrity: sri('a', 'sha256') }] };
    const doc = JSON.parse(serializeLockfile(pinnedLock(shuffled)));
    expect(doc.servers.notes.artifact.dependencies.map((d: { path: string }) => d.path)).toEqual(['node_modules/@acme/notes', 'node_modules/left-pad']);
    expect(doc.servers.notes.artifact.files.map((d: { path: string }) => d.path)).toEqual(['./a.js', './b.js']);
  });

  it('keeps a lockfile without artifact readable: the server is not pinned', () => {
    const lock = parseLockfile(oneToolLockText());
    expect(lock.servers.notes!.artifact).toBeUndefined();
    expect(serializeLockfile(lock)).toBe(oneToolLockText());
  });

  it('binds the pin into the approval digest, and leaves unpinned servers digests as they were', () => {
    const plain = approvalDigest(pinnedServer(undefined));
    const pinned = approvalDigest(pinnedServer(npmPin()));
    const republished = approvalDigest(pinnedServer(npmPin({ bytes: 'other' })));
    expect(new Set([plain, pinned, republished]).size).toBe(3);
    // The digest of a server without a pin is the {digest, transport} digest it always was.
    const server = pinnedServer(undefined);
    expect(plain).toBe(digestOf({ digest: surfaceDigest(server.surface), transport: { type: 'stdio', command: 'npx', args: ['-y', '@acme/notes'], env: [] } }));
  });

  const cases: [string, unknown, RegExp][] = [
    ['an unknown type', { type: 'cargo', name: 'x' }, /artifact\.type must be one of "npm", "pypi"/],
    ['an unknown field', { ...npmPin(), script: 'curl | sh' }, /artifact has an unknown field "script"/],
    ['a field of another type', { ...localPin(), dependencies: [] }, /artifact has an unknown field "dependencies"/],
    ['an npm pin without integrity', { type: 'npm', name: 'a', version: '1.0.0' }, /artifact\.integrity is required for an npm artifact/],
    ['an npm pin without version', { type: 'npm', name: 'a', integrity: sri('a') }, /artifact\.version is required/],
    ['a malformed integrity', { ...npmPin(), integrity: 'md5-abc' }, /artifact\.integrity must be a Subresource Integrity string/],
    ['an image digest that is not one', { type: 'oci', name: 'img', integrity: 'sha256:XYZ' }, /artifact\.integrity must be an image digest/],
    ['a number where a string goes', { ...npmPin(), version: 1 }, /artifact\.version must be a string/],
    ['an empty string', { ...npmPin(), spec: '' }, /artifact\.spec must be 1 to 4096 characters/],
    ['a control character', { ...npmPin(), spec: 'a\u001b[31m' }, /artifact\.spec must not contain control characters/],
    ['unsorted dependencies', { ...npmPin(), dependencies: [...npmPin().dependencies!].reverse() }, /dependencies\[1\] is out of order or repeated/],
    ['a repeated dependency', { ...npmPin(), dependencies: [npmPin().dependencies![0], npmPin().dependencies![0]] }, /dependencies\[1\] is out of order or repeated/],
    ['a dependency path outside node_modules', { ...npmPin(), dependencies: [{ ...npmPin().dependencies![0], path: 'node_modules/../../etc' }] }, /dependencies\[0\]\.path must be a path inside node_modules/],
    ['a dependency with an extra field', { ...npmPin(), dependencies: [{ ...npmPin().dependencies![0], resolved: 'https://x' }] }, /unknown field "resolved"/],
    ['too many dependencies', { ...npmPin(), dependencies: Array.from({ length: MAX_ARTIFACT_DEPENDENCIES + 1 }, () => ({})) }, /dependencies has 20001 entries; at most 20000 are read/],
    ['a local pin without files', { type: 'local' }, /artifact\.files must list the pinned file/],
    ['an unpinned artifact without a note', { type: 'unpinned' }, /artifact\.note is required/],
    ['unverified provenance without a reason', { ...npmPin(), provenance: { verified: false } }, /provenance\.reason is required when verified is false/],
    ['provenance verified as a string', { ...npmPin(), provenance: { verified: 'true' } }, /provenance\.verified must be true or false/],
    ['a distribution file name with a folder', { type: 'pypi', name: 'a', version: '1', distributions: [{ filename: '../a.whl', sha256: 'a'.repeat(64) }] }, /filename must be a file name/],
    ['an artifact that is not an object', ['npm'], /artifact must be an object/],
  ];
  for (const [what, artifact, message] of cases) {
    it(`refuses ${what} (exit 2, naming the field)`, () => {
      const { code, message: text } = refusal(withArtifact(artifact));
      expect(code).toBe('INVALID_STRUCTURE');
      expect(text).toMatch(/^mcp-lock\.json: servers\["notes"\]\.artifact/);
      expect(text).toMatch(message);
    });
  }
});
