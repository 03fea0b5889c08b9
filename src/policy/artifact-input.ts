import type { ArtifactPin } from '../artifact/types.js';

/** One server's artifact in the policy input (schema: definitions.artifact). Every field present, absent text "". */
export interface ArtifactDoc {
  pinned: boolean;
  type: ArtifactPin['type'] | '';
  spec: string;
  name: string;
  version: string;
  integrity: string;
  dependencies: { path: string; name: string; version: string; integrity: string }[];
  distributions: { filename: string; sha256: string }[];
  files: { path: string; integrity: string }[];
  modules: string[];
  provenance: { present: boolean; verified: boolean; reason: string; sourceRepository: string; sourceCommit: string; workflow: string; builder: string };
  note: string;
}

/**
 * The artifact document of a server, with MCPTrust's field names (`integrity`,
 * `provenance.verified`, `type`, `name`, `version`) so its artifact rules evaluate unchanged:
 * `input.artifact.integrity != ""` holds only for a pinned artifact, and
 * `input.artifact.provenance.verified == true` only for provenance that verified offline.
 */
export function artifactDoc(pin: ArtifactPin | undefined): ArtifactDoc {
  const p = pin?.provenance;
  return {
    pinned: pin !== undefined && pin.type !== 'unpinned',
    type: pin?.type ?? '',
    spec: pin?.spec ?? '',
    name: pin?.name ?? '',
    version: pin?.version ?? '',
    integrity: pin !== undefined && pin.type !== 'unpinned' ? (pin.integrity ?? '') : '',
    dependencies: (pin?.dependencies ?? []).map((d) => ({ path: d.path, name: d.name, version: d.version, integrity: d.integrity })),
    distributions: (pin?.distributions ?? []).map((d) => ({ filename: d.filename, sha256: d.sha256 })),
    files: (pin?.files ?? []).map((f) => ({ path: f.path, integrity: f.integrity })),
    modules: [...(pin?.modules ?? [])],
    provenance: {
      present: p !== undefined,
      verified: p?.verified === true,
      reason: p === undefined ? 'no provenance recorded' : p.verified ? '' : (p.reason ?? ''),
      sourceRepository: p?.sourceRepository ?? '',
      sourceCommit: p?.sourceCommit ?? '',
      workflow: p?.workflow ?? '',
      builder: p?.builder ?? '',
    },
    note: pin?.note ?? (pin === undefined ? 'no artifact recorded' : ''),
  };
}
