/**
 * The `artifact` field of a locked server (src/artifact/types.ts): its canonical JSON form, as
 * `lock` writes it, and its strict reader. Attacker-controlled when read: a lockfile may be
 * hand-edited or crafted, so every field is allow-listed per artifact type, every string is
 * checked for its shape and length, every list is bounded and must be in the order `lock`
 * writes it (sorted, no duplicates), before the diff, `run` or a policy uses it.
 */
import type { ArtifactPin, ArtifactType, DistributionPin, FilePin, PackagePin, ProvenanceRecord } from '../artifact/types.js';
import type { JsonObject, JsonValue } from '../canonical/index.js';

/** Most packages in one pinned npm tree (large real servers install a few hundred). */
export const MAX_ARTIFACT_DEPENDENCIES = 20_000;
/** Most distribution files of one pinned Python release. */
export const MAX_ARTIFACT_DISTRIBUTIONS = 1_000;
/** Most local files one launch pins. */
export const MAX_ARTIFACT_FILES = 1_000;
/** Longest string in an artifact (a spec, a name, a path, a note). */
export const MAX_ARTIFACT_STRING = 4_096;

export const ARTIFACT_TYPES: readonly ArtifactType[] = ['npm', 'pypi', 'oci', 'local', 'unpinned'];

/** The fields each artifact type may carry; anything else is refused. */
const FIELDS: Record<ArtifactType, readonly string[]> = {
  npm: ['type', 'spec', 'name', 'version', 'integrity', 'dependencies', 'files', 'provenance', 'note'],
  pypi: ['type', 'spec', 'name', 'version', 'integrity', 'distributions', 'files', 'provenance', 'note'],
  oci: ['type', 'spec', 'name', 'version', 'integrity', 'files', 'note'],
  local: ['type', 'spec', 'name', 'version', 'integrity', 'files', 'modules', 'note'],
  unpinned: ['type', 'spec', 'files', 'note'],
};
const PROVENANCE_FIELDS = ['verified', 'reason', 'sourceRepository', 'sourceCommit', 'workflow', 'builder'] as const;

/** Subresource Integrity (one hash): what npm's packuments and our file digests use. */
const SRI = /^sha(?:1|256|384|512)-[A-Za-z0-9+/]{20,100}={0,2}$/;
const OCI_DIGEST = /^sha256:[0-9a-f]{64}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Throws the reader's error for `path` (the caller's LockfileError, naming the file). */
export type ArtifactFail = (path: string, what: string) => never;

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The canonical JSON of an artifact pin: absent fields left out, lists sorted as the reader requires. */
export function artifactJson(pin: ArtifactPin): JsonObject {
  const out: JsonObject = { type: pin.type };
  for (const key of ['spec', 'name', 'version', 'integrity', 'note'] as const) if (pin[key] !== undefined) out[key] = pin[key]!;
  if (pin.dependencies !== undefined) {
    out.dependencies = [...pin.dependencies].sort((a, b) => compare(a.path, b.path)).map((d) => ({ path: d.path, name: d.name, version: d.version, integrity: d.integrity }));
  }
  if (pin.distributions !== undefined) {
    out.distributions = [...pin.distributions].sort((a, b) => compare(a.filename, b.filename)).map((d) => ({ filename: d.filename, sha256: d.sha256 }));
  }
  if (pin.files !== undefined) out.files = [...pin.files].sort((a, b) => compare(a.path, b.path)).map((f) => ({ path: f.path, integrity: f.integrity }));
  if (pin.modules !== undefined) out.modules = [...new Set(pin.modules)].sort(compare);
  if (pin.provenance !== undefined) {
    const p: JsonObject = { verified: pin.provenance.verified };
    for (const key of PROVENANCE_FIELDS) if (key !== 'verified' && pin.provenance[key] !== undefined) p[key] = pin.provenance[key]!;
    out.provenance = p;
  }
  return out;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function onlyKeys(fail: ArtifactFail, path: string, o: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(path, `has an unknown field ${JSON.stringify(key.slice(0, 60))}`);
  }
}

function text(fail: ArtifactFail, path: string, v: JsonValue | undefined, shape?: RegExp, shapeName?: string): string {
  if (typeof v !== 'string') fail(path, 'must be a string');
  if (v.length === 0 || v.length > MAX_ARTIFACT_STRING) fail(path, `must be 1 to ${MAX_ARTIFACT_STRING} characters long`);
  // No control characters: these strings are shown in reports and passed to installers.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) fail(path, 'must not contain control characters');
  if (shape !== undefined && !shape.test(v)) fail(path, `must be ${shapeName}`);
  return v;
}

function optionalText(fail: ArtifactFail, path: string, v: JsonValue | undefined, shape?: RegExp, shapeName?: string): string | undefined {
  return v === undefined ? undefined : text(fail, path, v, shape, shapeName);
}

/** A bounded list of objects, sorted by `key` with no duplicates (the order `lock` writes). */
function sortedList(fail: ArtifactFail, path: string, v: JsonValue | undefined, max: number, key: string): JsonObject[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (v.length > max) fail(path, `has ${v.length} entries; at most ${max} are read`);
  let previous: string | undefined;
  return v.map((entry, i) => {
    if (!isObject(entry)) fail(`${path}[${i}]`, 'must be an object');
    const k = entry[key];
    if (typeof k === 'string' && previous !== undefined && !(previous < k)) fail(`${path}[${i}]`, `is out of order or repeated: entries must be sorted by ${key}, each once`);
    if (typeof k === 'string') previous = k;
    return entry;
  });
}

function integrityShape(type: ArtifactType): [RegExp, string] {
  return type === 'oci' ? [OCI_DIGEST, 'an image digest (sha256: and 64 lowercase hex digits)'] : [SRI, 'a Subresource Integrity string (sha512-<base64>)'];
}

/**
 * Reads a server's `artifact` field. `fail` throws the caller's error naming the file and the
 * path; nothing is returned until every field passed.
 */
export function parseArtifact(v: JsonValue | undefined, path: string, fail: ArtifactFail, transportType?: string): ArtifactPin {
  // Only a stdio launch runs code on this machine: a server reached over HTTP has no artifact.
  if (transportType !== undefined && transportType !== 'stdio') fail(path, `is recorded for stdio servers only; this server is reached over ${transportType}`);
  if (!isObject(v)) fail(path, 'must be an object');
  const type = v.type;
  if (typeof type !== 'string' || !(ARTIFACT_TYPES as readonly string[]).includes(type)) fail(`${path}.type`, `must be one of ${ARTIFACT_TYPES.map((t) => `"${t}"`).join(', ')}`);
  const kind = type as ArtifactType;
  onlyKeys(fail, path, v, FIELDS[kind]);
  const pin: ArtifactPin = { type: kind };
  const spec = optionalText(fail, `${path}.spec`, v.spec);
  if (spec !== undefined) pin.spec = spec;
  const name = optionalText(fail, `${path}.name`, v.name);
  if (name !== undefined) pin.name = name;
  const version = optionalText(fail, `${path}.version`, v.version);
  if (version !== undefined) pin.version = version;
  const integrity = optionalText(fail, `${path}.integrity`, v.integrity, ...integrityShape(kind));
  if (integrity !== undefined) pin.integrity = integrity;
  const note = optionalText(fail, `${path}.note`, v.note);
  if (note !== undefined) pin.note = note;
  // A pinned package has a name, a version and the integrity of what it installs: without
  // them the pin proves nothing, and reading it as a pin would let anything through.
  if (kind === 'npm' || kind === 'pypi') {
    if (name === undefined) fail(`${path}.name`, `is required for a ${kind} artifact`);
    if (version === undefined) fail(`${path}.version`, `is required for a ${kind} artifact`);
  }
  if (kind === 'npm' && integrity === undefined) fail(`${path}.integrity`, 'is required for an npm artifact');
  if (kind === 'oci' && integrity === undefined) fail(`${path}.integrity`, 'is required for an oci artifact (the image digest)');
  if (kind === 'unpinned' && note === undefined) fail(`${path}.note`, 'is required for an unpinned artifact (why nothing is pinned)');
  if (v.dependencies !== undefined) pin.dependencies = sortedList(fail, `${path}.dependencies`, v.dependencies, MAX_ARTIFACT_DEPENDENCIES, 'path').map((d, i) => packagePin(fail, `${path}.dependencies[${i}]`, d));
  if (v.distributions !== undefined) {
    pin.distributions = sortedList(fail, `${path}.distributions`, v.distributions, MAX_ARTIFACT_DISTRIBUTIONS, 'filename').map((d, i) => distributionPin(fail, `${path}.distributions[${i}]`, d));
  }
  if (v.files !== undefined) pin.files = sortedList(fail, `${path}.files`, v.files, MAX_ARTIFACT_FILES, 'path').map((f, i) => filePin(fail, `${path}.files[${i}]`, f));
  if (kind === 'local' && (pin.files === undefined || pin.files.length === 0)) fail(`${path}.files`, 'must list the pinned file for a local artifact');
  if (v.modules !== undefined) pin.modules = moduleNames(fail, `${path}.modules`, v.modules);
  if (v.provenance !== undefined) pin.provenance = provenance(fail, `${path}.provenance`, v.provenance);
  return pin;
}

function packagePin(fail: ArtifactFail, path: string, o: JsonObject): PackagePin {
  onlyKeys(fail, path, o, ['path', 'name', 'version', 'integrity']);
  return {
    path: installPath(fail, `${path}.path`, o.path),
    name: text(fail, `${path}.name`, o.name),
    version: text(fail, `${path}.version`, o.version),
    integrity: text(fail, `${path}.integrity`, o.integrity, SRI, 'a Subresource Integrity string (sha512-<base64>)'),
  };
}

/** `node_modules/a/node_modules/@s/b`: inside the install folder, no `.`/`..` segment, no backslash. */
function installPath(fail: ArtifactFail, path: string, v: JsonValue | undefined): string {
  const value = text(fail, path, v);
  const segments = value.split('/');
  if (segments[0] !== 'node_modules' || segments.length < 2 || value.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    fail(path, 'must be a path inside node_modules/ (no ".", ".." or empty segment)');
  }
  return value;
}

function distributionPin(fail: ArtifactFail, path: string, o: JsonObject): DistributionPin {
  onlyKeys(fail, path, o, ['filename', 'sha256']);
  return {
    filename: text(fail, `${path}.filename`, o.filename, /^[^/\\]+$/, 'a file name (no folder)'),
    sha256: text(fail, `${path}.sha256`, o.sha256, HEX_SHA256, '64 lowercase hex digits'),
  };
}

function filePin(fail: ArtifactFail, path: string, o: JsonObject): FilePin {
  onlyKeys(fail, path, o, ['path', 'integrity']);
  return { path: text(fail, `${path}.path`, o.path), integrity: text(fail, `${path}.integrity`, o.integrity, SRI, 'a Subresource Integrity string (sha256-<base64>)') };
}

/** A local pin's module preloads: a non-empty bounded list of names, sorted, each once (as `lock` writes it). */
function moduleNames(fail: ArtifactFail, path: string, v: JsonValue): string[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (v.length === 0) fail(path, 'must not be empty (left out when the line has no module preload)');
  if (v.length > MAX_ARTIFACT_FILES) fail(path, `has ${v.length} entries; at most ${MAX_ARTIFACT_FILES} are read`);
  let previous: string | undefined;
  return v.map((entry, i) => {
    const name = text(fail, `${path}[${i}]`, entry);
    if (previous !== undefined && !(previous < name)) fail(`${path}[${i}]`, 'is out of order or repeated: module names must be sorted, each once');
    previous = name;
    return name;
  });
}

function provenance(fail: ArtifactFail, path: string, v: JsonValue): ProvenanceRecord {
  if (!isObject(v)) fail(path, 'must be an object');
  onlyKeys(fail, path, v, PROVENANCE_FIELDS);
  if (typeof v.verified !== 'boolean') fail(`${path}.verified`, 'must be true or false');
  const record: ProvenanceRecord = { verified: v.verified };
  for (const key of PROVENANCE_FIELDS) {
    if (key === 'verified') continue;
    const value = optionalText(fail, `${path}.${key}`, v[key]);
    if (value !== undefined) record[key] = value;
  }
  // Unverified provenance says why; verified provenance has nothing to excuse.
  if (!record.verified && record.reason === undefined) fail(`${path}.reason`, 'is required when verified is false');
  if (record.verified && record.reason !== undefined) fail(`${path}.reason`, 'must be absent when verified is true');
  return record;
}
