/**
 * SC-01 SBOM Generation (MTF v0.1 §3.3). mcptrust builds a CycloneDX 1.6 SBOM from the bundle's
 * lockfiles (or, without one, from the installed tree it ships) and checks any SBOM shipped in
 * the bundle (CycloneDX 1.4–1.6 / SPDX 2.3+ JSON).
 *
 * Differs from the reference, which passed with zero components: where the bundle declares or
 * ships dependencies, an SBOM that enumerates none of them fails. A bundle with no third-party
 * dependencies at all passes with an informational finding (an empty SBOM is then complete).
 * An invalid shipped SBOM blocks; components without name/version/purl and dependencies missing
 * from a shipped SBOM are warnings (medium).
 */
import { dependencyInventory } from '../deps/inventory.js';
import { purlOf, buildSbom, findShippedSboms, readShippedSbom, sbomSummary } from '../deps/sbom.js';
import { statusOf } from '../code/patterns.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

export const control: Control = {
  id: 'SC-01',
  name: 'SBOM Generation',
  domain: 'supply_chain',
  run(ctx) {
    const inv = dependencyInventory(ctx);
    const generated = buildSbom(ctx);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `SC-01-${findings.length + 1}`, control: 'SC-01', ...f });
    let shippedOk = 0;
    for (const file of findShippedSboms(ctx.files)) {
      const read = readShippedSbom(file);
      if ('problem' in read) {
        add({ severity: 'high', title: 'Invalid SBOM', description: `${printable(file.path, 120)} is not a supported SBOM: ${printable(read.problem, 160)}`, file: file.path, remediation: 'Ship a CycloneDX 1.4–1.6 or SPDX 2.3+ JSON SBOM.' });
        continue;
      }
      const { sbom } = read;
      if (sbom.components.length === 0 && inv.hasDependencies) {
        add({ severity: 'high', title: 'SBOM lists no components', description: `${printable(file.path, 120)} lists no components although the bundle has dependencies`, file: file.path, remediation: 'Generate the SBOM from the installed dependency tree (all direct and transitive production dependencies).' });
        continue;
      }
      shippedOk++;
      const incomplete = sbom.components.filter((c) => !c.name || !c.version || !c.purl);
      if (incomplete.length > 0) {
        add({ severity: 'medium', title: 'SBOM components missing required fields', description: `${incomplete.length} of ${sbom.components.length} components in ${printable(file.path, 120)} lack a name, version or purl`, file: file.path, remediation: 'Every component needs name, version and purl.' });
      }
      const listed = new Set(sbom.components.map((c) => (c.purl ?? '').split('?')[0]!.toLowerCase()));
      const missing = inv.production.filter((d) => d.version && !listed.has(purlOf(d).toLowerCase()));
      if (missing.length > 0) {
        add({ severity: 'medium', title: 'SBOM does not match the lockfiles', description: `${missing.length} locked production dependencies are missing from ${printable(file.path, 120)}, e.g. ${missing.slice(0, 3).map((d) => printable(`${d.name}@${d.version}`, 60)).join(', ')}`, file: file.path, remediation: 'Regenerate the SBOM after updating the lockfile.' });
      }
    }
    if (shippedOk === 0) {
      if (generated.componentCount > 0) {
        add({ severity: 'info', title: 'SBOM generated from lockfiles', description: `No SBOM is shipped; mcptrust generated a CycloneDX 1.6 SBOM with ${generated.componentCount} components from ${inv.lockfiles.map((l) => l.path).join(', ') || 'the installed tree'}`, remediation: 'Ship sbom.cdx.json in the bundle.' });
      } else if (inv.hasDependencies) {
        const where = inv.manifests.find((m) => Object.keys(m.dependencies).length > 0);
        add({ severity: 'high', title: 'Dependencies cannot be enumerated', description: 'The bundle declares dependencies but ships neither an SBOM nor a lockfile (or installed tree) that lists them', ...(where ? { file: where.path } : {}), remediation: 'Ship a lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock or pinned requirements.txt) and an SBOM.' });
      } else {
        add({ severity: 'info', title: 'No third-party dependencies', description: 'The bundle declares and ships no third-party dependencies; its SBOM is empty and complete' });
      }
    }
    for (const l of inv.lockfiles) {
      for (const p of l.problems.slice(0, 5)) add({ severity: 'medium', title: 'Unreadable lockfile', description: `${printable(p.file, 120)}: ${printable(p.message, 160)}`, file: p.file, ...(p.line ? { line: p.line } : {}) });
    }
    return { status: statusOf(findings), findings, sbom: sbomSummary(ctx) };
  },
};
