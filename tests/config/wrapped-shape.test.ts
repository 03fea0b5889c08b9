import { describe, expect, it } from 'vitest';
import { wrappedShape } from '../../src/config/wrapped.js';

// What counts as an entry `wrap` made (read as the server after its `--`), and what is some other
// program that only looks like one (read as written, so the gate compares the launch the agent makes).
const server = ['--', 'node', 'server.mjs'];

describe('wrappedShape: only a real mcptrust launch with a whole gate counts as wrapped', () => {
  it.each([
    ['mcptrust', ['proxy', '--lock', 'mcp-lock.json', ...server]],
    ['/usr/local/bin/mcptrust', ['proxy', '--lock', 'mcp-lock.json', ...server]],
    ['C:\\Tools\\mcptrust.cmd', ['proxy', '--lock', 'mcp-lock.json', ...server]],
    ['npx', ['-y', 'mcptrust', 'proxy', '--lock', 'mcp-lock.json', ...server]],
    ['npx', ['-y', 'mcptrust@0.1.0', 'proxy', '--lock', 'mcp-lock.json', ...server]],
    ['node', ['/opt/mcptrust/dist/bin/mcptrust.js', 'proxy', '--lock', 'mcp-lock.json', ...server]],
    ['mcptrust', ['proxy', '--lock', 'l.json', '--fail-on', 'any', '--audit', 'a.log', '--server', 's', ...server]],
    ['mcptrust', ['proxy', '--lock', 'l.json', '--fail-on=any', '--timeout=5000', ...server]],
    ['cmd', ['/c', 'mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['/usr/bin/env', ['mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['pnpm', ['dlx', 'mcptrust@^0.1', 'proxy', '--lock', 'l.json', ...server]],
    ['bun', ['x', 'mcptrust', 'proxy', '--lock', 'l.json', ...server]],
  ])('%s %j is wrapped', (command, args) => {
    expect(wrappedShape(command, args)).toEqual({ proxyAt: args.indexOf('proxy'), dashDash: args.indexOf('--') });
  });

  it.each([
    ['a repository script named mcptrust', './tools/mcptrust', ['proxy', '--lock', 'l.json', ...server]],
    ['a relative path without ./', 'tools/mcptrust', ['proxy', '--lock', 'l.json', ...server]],
    ['a ${VAR} path', '${workspaceFolder}/tools/mcptrust', ['proxy', '--lock', 'l.json', ...server]],
    ['a scoped look-alike package', 'npx', ['-y', '@evil/mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['another program in front', './evil', ['mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['a launcher that preloads code', 'node', ['--require', './x.js', '/opt/m/mcptrust.js', 'proxy', '--lock', 'l.json', ...server]],
    ['a relative script through node', 'node', ['./mcptrust.js', 'proxy', '--lock', 'l.json', ...server]],
    ['--audit-only (forwards everything)', 'mcptrust', ['proxy', '--lock', 'l.json', '--audit', 'a.log', '--audit-only', ...server]],
    ['--fail-on none', 'mcptrust', ['proxy', '--lock', 'l.json', '--fail-on', 'none', ...server]],
    ['--fail-on=security', 'mcptrust', ['proxy', '--lock', 'l.json', '--fail-on=security', ...server]],
    ['an unknown proxy option', 'mcptrust', ['proxy', '--lock', 'l.json', '--trust-all', ...server]],
    ['node with a file of the working folder', 'node', ['mcptrust.js', 'proxy', '--lock', 'l.json', ...server]],
    ['a path through /proc', '/proc/self/cwd/tools/mcptrust', ['proxy', '--lock', 'l.json', ...server]],
    ['node with a path through /proc', 'node', ['/proc/self/cwd/mcptrust.js', 'proxy', '--lock', 'l.json', ...server]],
    ['another package named with an extension', 'npx', ['-y', 'mcptrust.js', 'proxy', '--lock', 'l.json', ...server]],
    ['an npm alias of another package', 'npx', ['-y', 'mcptrust@npm:evil', 'proxy', '--lock', 'l.json', ...server]],
    ['the project script of pnpm', 'pnpm', ['mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['the project bin of yarn', 'yarn', ['mcptrust', 'proxy', '--lock', 'l.json', ...server]],
    ['an upper-case package name', 'npx', ['-y', 'MCPTRUST', 'proxy', '--lock', 'l.json', ...server]],
    ['env with a variable', '/usr/bin/env', ['LD_PRELOAD=/tmp/x.so', 'mcptrust', 'proxy', '--lock', 'l.json', ...server]],
  ])('%s is read as written', (_what, command, args) => {
    expect(wrappedShape(command, args)).toBeUndefined();
  });

  it('an absolute path inside the project folder is the repository\'s own file, not an installed mcptrust', () => {
    const args = ['proxy', '--lock', 'l.json', ...server];
    expect(wrappedShape('/home/u/proj/tools/mcptrust', args, '/home/u/proj')).toBeUndefined();
    expect(wrappedShape('node', ['/home/u/proj/node_modules/mcptrust/dist/bin/mcptrust.js', ...args], '/home/u/proj')).toBeUndefined();
    expect(wrappedShape('/usr/local/bin/mcptrust', args, '/home/u/proj')).toEqual({ proxyAt: 0, dashDash: 3 });
  });
});
