// Launch lines as MCP server READMEs and agent configs write them → launcher kind and spec.
import { describe, expect, it } from 'vitest';
import { launcherName, parseLaunch, type Launch } from '../../src/launch/index.js';

const split = (line: string) => {
  const [command, ...args] = line.split(' ');
  return parseLaunch(command!, args);
};

type Row = [line: string, expected: Partial<Launch> & Record<string, unknown>];

const npm: Row[] = [
  ['npx -y @modelcontextprotocol/server-filesystem /tmp', { kind: 'npm', launcher: 'npx', packages: ['@modelcontextprotocol/server-filesystem'], packageArgIndexes: [1] }],
  ['npx @modelcontextprotocol/server-everything', { kind: 'npm', packages: ['@modelcontextprotocol/server-everything'], packageArgIndexes: [0] }],
  ['npx --yes @upstash/context7-mcp@latest', { kind: 'npm', packages: ['@upstash/context7-mcp@latest'] }],
  ['npx -y mcp-remote@0.1.29 https://example.com/sse --header Authorization:x', { kind: 'npm', packages: ['mcp-remote@0.1.29'] }],
  ['npx -y @playwright/mcp@^0.0.30 --headless', { kind: 'npm', packages: ['@playwright/mcp@^0.0.30'] }],
  ['npx -y -p @scope/tools -p helper@1 scope-server --port 3', { kind: 'npm', packages: ['@scope/tools', 'helper@1'], packageArgIndexes: [2, 4], command: 'scope-server' }],
  ['npx --package=@scope/pkg@2 pkg-bin', { kind: 'npm', packages: ['@scope/pkg@2'], packageArgIndexes: [0], command: 'pkg-bin' }],
  ['npx -y -- tavily-mcp@0.1.4', { kind: 'npm', packages: ['tavily-mcp@0.1.4'], packageArgIndexes: [2] }],
  ['npx -y --registry=http://127.0.0.1:4873/ fx-server', { kind: 'npm', packages: ['fx-server'], config: { registry: 'http://127.0.0.1:4873/' } }],
  ['npx -q --prefer-online server-x', { kind: 'npm', packages: ['server-x'] }],
  ['npx.cmd -y @modelcontextprotocol/server-memory', { kind: 'npm', packages: ['@modelcontextprotocol/server-memory'] }],
  ['/usr/local/bin/npx -y pkg', { kind: 'npm', packages: ['pkg'] }],
  ['npm exec -y -- @modelcontextprotocol/server-memory', { kind: 'npm', launcher: 'npm exec', packages: ['@modelcontextprotocol/server-memory'], packageArgIndexes: [3] }],
  ['npm x --package=a@1 -- a-cli serve', { kind: 'npm', launcher: 'npm exec', packages: ['a@1'], command: 'a-cli' }],
  ['pnpm dlx @modelcontextprotocol/server-github', { kind: 'npm', launcher: 'pnpm dlx', packages: ['@modelcontextprotocol/server-github'], packageArgIndexes: [1] }],
  ['pnpm dlx --package=pkg@3 pkg-cli', { kind: 'npm', launcher: 'pnpm dlx', packages: ['pkg@3'], command: 'pkg-cli' }],
  ['yarn dlx -p @scope/a@1 a-bin', { kind: 'npm', launcher: 'yarn dlx', packages: ['@scope/a@1'], command: 'a-bin' }],
  ['yarn dlx some-mcp', { kind: 'npm', launcher: 'yarn dlx', packages: ['some-mcp'] }],
  ['bunx @modelcontextprotocol/server-sequential-thinking', { kind: 'npm', launcher: 'bunx', packages: ['@modelcontextprotocol/server-sequential-thinking'] }],
  ['bunx --bun server-y@1.0.0', { kind: 'npm', launcher: 'bunx', packages: ['server-y@1.0.0'] }],
  ['bun x server-z', { kind: 'npm', launcher: 'bunx', packages: ['server-z'] }],
];

const python: Row[] = [
  ['uvx mcp-server-git --repository /repo', { kind: 'pypi', launcher: 'uvx', spec: 'mcp-server-git', specArgIndex: 0 }],
  ['uvx mcp-server-fetch==2025.4.7', { kind: 'pypi', spec: 'mcp-server-fetch==2025.4.7' }],
  ['uvx --from awslabs.aws-documentation-mcp-server@latest awslabs.aws-documentation-mcp-server', { kind: 'pypi', spec: 'awslabs.aws-documentation-mcp-server@latest', specArgIndex: 1, command: 'awslabs.aws-documentation-mcp-server' }],
  ['uvx --from git+https://github.com/o/r mcp-x', { kind: 'pypi', spec: 'git+https://github.com/o/r', command: 'mcp-x' }],
  ['uvx --python 3.12 mcp-server-time --local-timezone=UTC', { kind: 'pypi', spec: 'mcp-server-time', specArgIndex: 2 }],
  ['uvx --index-url http://127.0.0.1:9/simple/ pkg', { kind: 'pypi', spec: 'pkg', indexUrl: 'http://127.0.0.1:9/simple/' }],
  ['uv tool run mcp-server-sqlite --db-path x.db', { kind: 'pypi', launcher: 'uv tool run', spec: 'mcp-server-sqlite', specArgIndex: 2 }],
  ['pipx run mcp-server-time', { kind: 'pypi', launcher: 'pipx run', spec: 'mcp-server-time', specArgIndex: 1 }],
  ['pipx run --spec mcp-proxy==0.3 mcp-proxy http://x', { kind: 'pypi', launcher: 'pipx run', spec: 'mcp-proxy==0.3', specArgIndex: 2, command: 'mcp-proxy' }],
];

const containers: Row[] = [
  ['docker run -i --rm ghcr.io/github/github-mcp-server', { kind: 'oci', launcher: 'docker', image: 'ghcr.io/github/github-mcp-server', imageArgIndex: 3 }],
  ['docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN ghcr.io/github/github-mcp-server:v0.3.0', { kind: 'oci', image: 'ghcr.io/github/github-mcp-server:v0.3.0', imageArgIndex: 5 }],
  ['docker run -it --rm --mount type=bind,src=/data,dst=/projects mcp/filesystem /projects', { kind: 'oci', image: 'mcp/filesystem', imageArgIndex: 5 }],
  ['docker run --rm -i -v /a:/b --network=host -p 8080:80 --name srv mcp/git', { kind: 'oci', image: 'mcp/git' }],
  ['docker run -i --rm mcp/fetch@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', { kind: 'oci', image: 'mcp/fetch@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }],
  ['docker container run -i mcp/time', { kind: 'oci', image: 'mcp/time', imageArgIndex: 3 }],
  ['podman run -i --rm --userns keep-id quay.io/org/srv:1', { kind: 'oci', launcher: 'podman', image: 'quay.io/org/srv:1' }],
  ['docker run -i --rm --entrypoint /bin/sh alpine -c x', { kind: 'oci', image: 'alpine', imageArgIndex: 5 }],
];

const local: Row[] = [
  ['node ./server.js', { kind: 'local', interpreter: 'node', file: './server.js', fileArgIndex: 0 }],
  ['node /opt/mcp/build/index.js --stdio', { kind: 'local', interpreter: 'node', file: '/opt/mcp/build/index.js' }],
  ['node --no-warnings --env-file .env dist/server.mjs', { kind: 'local', file: 'dist/server.mjs', fileArgIndex: 3 }],
  ['node -r dotenv/config server.js', { kind: 'local', file: 'server.js', fileArgIndex: 2 }],
  ['python server.py', { kind: 'local', interpreter: 'python', file: 'server.py' }],
  ['python3 -u /srv/weather.py', { kind: 'local', interpreter: 'python3', file: '/srv/weather.py', fileArgIndex: 1 }],
  ['python3.12 -X utf8 main.py', { kind: 'local', interpreter: 'python3.12', file: 'main.py', fileArgIndex: 2 }],
  ['deno run --allow-net --allow-read=/tmp -A main.ts', { kind: 'local', interpreter: 'deno', file: 'main.ts', fileArgIndex: 4 }],
  ['deno run --config deno.json server.ts', { kind: 'local', interpreter: 'deno', file: 'server.ts', fileArgIndex: 3 }],
  ['bun x.ts', { kind: 'local', interpreter: 'bun', file: 'x.ts', fileArgIndex: 0 }],
  ['bun run src/index.ts', { kind: 'local', interpreter: 'bun', file: 'src/index.ts', fileArgIndex: 1 }],
  ['tsx src/server.ts', { kind: 'local', interpreter: 'tsx', file: 'src/server.ts' }],
  ['uv run server.py', { kind: 'local', interpreter: 'uv run', file: 'server.py', fileArgIndex: 1 }],
  ['./server --stdio', { kind: 'local', file: './server', fileArgIndex: -1 }],
  ['/usr/local/bin/mcp-server', { kind: 'local', file: '/usr/local/bin/mcp-server', fileArgIndex: -1 }],
  ['C:\\tools\\srv.exe', { kind: 'local', file: 'C:\\tools\\srv.exe', fileArgIndex: -1 }],
  ['bash ./start-server.sh', { kind: 'local', interpreter: 'bash', file: './start-server.sh', fileArgIndex: 0 }],
  ['sh -e run.sh', { kind: 'local', interpreter: 'sh', file: 'run.sh', fileArgIndex: 1 }],
  ['java -jar mcp-server.jar --stdio', { kind: 'local', interpreter: 'java', file: 'mcp-server.jar', fileArgIndex: 1 }],
  ['ruby server.rb', { kind: 'local', interpreter: 'ruby', file: 'server.rb' }],
];

const path: Row[] = [
  ['mcp-server-git', { kind: 'path', command: 'mcp-server-git' }],
  ['github-mcp-server stdio', { kind: 'path', command: 'github-mcp-server' }],
];

const unknown: Row[] = [
  ['npx -c "server --x"', { kind: 'unknown' }],
  ['npx --workspace=a pkg', { kind: 'unknown' }],
  ['npx --no pkg', { kind: 'unknown' }],
  ['npx -y', { kind: 'unknown' }],
  ['npm start', { kind: 'unknown' }],
  ['npm run serve', { kind: 'unknown' }],
  ['pnpm run dev', { kind: 'unknown' }],
  ['yarn start', { kind: 'unknown' }],
  ['node -e console.log(1)', { kind: 'unknown' }],
  ['node', { kind: 'unknown' }],
  ['python -m mcp_server_time', { kind: 'unknown' }],
  ['python -c import', { kind: 'unknown' }],
  ['deno run https://deno.land/x/srv/mod.ts', { kind: 'unknown' }],
  ['deno run jsr:@scope/srv', { kind: 'unknown' }],
  ['deno task start', { kind: 'unknown' }],
  ['docker run --some-new-flag x image', { kind: 'unknown' }],
  ['docker exec -i container srv', { kind: 'unknown' }],
  ['docker compose run srv', { kind: 'unknown' }],
  ['docker run -i --rm', { kind: 'unknown' }],
  ['uvx --with extra pkg', { kind: 'unknown' }],
  ['uv sync', { kind: 'unknown' }],
  ['uv run --with mcp server.py', { kind: 'unknown' }],
  ['pipx install x', { kind: 'unknown' }],
  ['pnpm dlx --shell-mode "a b"', { kind: 'unknown' }],
  ['bash -c exec-something', { kind: 'unknown' }],
  ['env FOO=1 node server.js', { kind: 'unknown' }],
  ['cmd /c npx -y pkg', { kind: 'unknown' }],
  ['go run ./cmd/server', { kind: 'unknown' }],
  ['cargo run --release', { kind: 'unknown' }],
  ['dotnet run', { kind: 'unknown' }],
  ['java -cp lib Main', { kind: 'unknown' }],
];

describe('parseLaunch', () => {
  for (const [group, rows] of Object.entries({ npm, python, containers, local, path, unknown })) {
    describe(group, () => {
      it.each(rows)('%s', (line, expected) => {
        const launch = line.startsWith('npx -c') ? parseLaunch('npx', ['-c', 'server --x']) : split(line);
        expect(launch).toMatchObject(expected);
        if (launch.kind === 'unknown') expect(launch.note.length).toBeGreaterThan(5);
      });
    });
  }

  it('an unknown option never lets a later argument pass for the package', () => {
    expect(parseLaunch('npx', ['--foo', 'evil', 'pkg'])).toMatchObject({ kind: 'unknown', note: expect.stringContaining('--foo') });
    expect(parseLaunch('docker', ['run', '--new-opt', 'value', 'image'])).toMatchObject({ kind: 'unknown', note: expect.stringContaining('--new-opt') });
  });

  it('a value option at the end of the line has no value: unknown, not a package', () => {
    expect(parseLaunch('npx', ['-p'])).toMatchObject({ kind: 'unknown' });
    expect(parseLaunch('docker', ['run', '-e'])).toMatchObject({ kind: 'unknown' });
  });

  it('names a launcher from a path or a Windows shim', () => {
    expect(launcherName('/usr/bin/npx')).toBe('npx');
    expect(launcherName('C:\\Program Files\\nodejs\\npx.CMD')).toBe('npx');
    expect(launcherName('node.exe')).toBe('node');
  });

  it('a long unknown option is cut in the note', () => {
    const launch = parseLaunch('npx', [`--${'x'.repeat(10_000)}`, 'pkg']);
    expect(launch.kind).toBe('unknown');
    expect((launch as { note: string }).note.length).toBeLessThan(150);
  });
});
