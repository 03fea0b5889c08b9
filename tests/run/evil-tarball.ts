/**
 * Hand-made package tarballs with entries real packages should never hold (symbolic and hard
 * links, `../` paths, absolute paths, devices), served on the loopback npm registry under a
 * packument whose integrity matches them: the bytes a lock would pin if the publisher were
 * hostile. Made at test time; nothing copied.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { NpmRegistryFixture } from '../helpers/npm-registry.js';

export interface RawEntry {
  name: string;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' folder. */
  type?: string;
  data?: string;
  linkname?: string;
  mode?: number;
}

function header(entry: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0') + '\0';
  h.write(entry.name, 0, 100, 'utf8');
  h.write(octal(entry.mode ?? 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1767225600, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(entry.type ?? '0', 156, 'ascii');
  if (entry.linkname) h.write(entry.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

export function rawTarball(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '', 'utf8');
    blocks.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** Serves `name@version` with exactly `tarball` (and the matching integrity); returns that integrity. */
export function serveRaw(registry: NpmRegistryFixture, name: string, version: string, tarball: Buffer, manifest: Record<string, unknown> = {}): string {
  const integrity = 'sha512-' + createHash('sha512').update(tarball).digest('base64');
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  const tarPath = `/${name}/-/${base}-${version}.tgz`;
  const doc = {
    name,
    'dist-tags': { latest: version },
    versions: { [version]: { name, version, ...manifest, _id: `${name}@${version}`, dist: { integrity, tarball: new URL(tarPath.slice(1), registry.url).toString() } } },
  };
  registry.route(`/${name}`, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  registry.route(tarPath, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
    res.end(tarball);
  });
  return integrity;
}
