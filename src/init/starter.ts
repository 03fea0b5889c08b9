/**
 * What `mcptrust init` writes: a GitHub Actions workflow that runs the mcptrust action on every
 * pull request, and a policy to edit. Pure: the command reads the baseline preset and writes.
 */

export const WORKFLOW_PATH = '.github/workflows/mcptrust.yml';
export const POLICY_PATH = 'mcptrust-policy.yaml';

export interface StarterOptions {
  /** The action as `uses:` names it: OWNER/REPO@REF, OWNER/REPO/PATH@REF or ./PATH. */
  action: string;
  /** The agent config whose servers are checked (e.g. .mcp.json). */
  config: string;
}

/** A `uses:` reference that is safe to write into YAML unquoted: no spaces, quotes, # or :. */
export const ACTION_REF = /^(?:\.\/[A-Za-z0-9._/-]+|[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[A-Za-z0-9_./-]+)$/;
/** A relative config path safe to write into YAML unquoted. */
export const CONFIG_PATH = /^(?!-)[A-Za-z0-9_./-]+$/;

/** The starter workflow: check on pull requests and pushes, summary and code scanning alerts. */
export function starterWorkflow(options: StarterOptions): string {
  const { action, config } = options;
  return `# mcptrust: fail the build when an MCP server no longer matches its signed lockfile.
# Written by \`mcptrust init\`; edit freely.
#
# Once, on your machine (the private key never enters the repository or CI):
#   mcptrust lock --config ${config}                 # pin every server of the config: mcp-lock.json
#   mcptrust keygen --out-dir ~/.mcptrust          # mcptrust.key (keep it secret) and mcptrust.pub
#   mkdir -p keys && cp ~/.mcptrust/mcptrust.pub keys/team.pub
#   mcptrust sign --key ~/.mcptrust/mcptrust.key   # mcp-lock.json.sig
#   git add mcp-lock.json mcp-lock.json.sig keys/team.pub ${POLICY_PATH} ${WORKFLOW_PATH}
#
# When a server changes on purpose: review \`mcptrust diff --config ${config}\`, then lock with
# --approve sha256:... (the live digest the review showed) and sign again.
name: mcptrust

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  security-events: write # only for the SARIF upload (code scanning alerts)

jobs:
  mcptrust:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: mcptrust
        # Pin the action to a release tag or, better, a commit SHA.
        uses: ${action}
        with:
          lock: mcp-lock.json
          key: keys/team.pub # require-signature is true by default: an unsigned lockfile fails
          policy: ${POLICY_PATH}
          config: ${config}
          fail-on: any
          sarif-file: mcptrust.sarif
      - name: Upload the drift to code scanning
        if: \${{ always() && hashFiles('mcptrust.sarif') != '' }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: mcptrust.sarif
          category: mcptrust
`;
}

/** The starter policy: the baseline preset with a header saying where it came from. */
export function starterPolicy(baselineYaml: string): string {
  const body = baselineYaml.replace(/^(?:#[^\n]*\n)+/, '');
  return `# Starter policy written by \`mcptrust init\` from the baseline preset; edit the rules freely.
# Rules are CEL expressions over the \`input\` document (mcptrust docs/policy.md: "The policy input document").
# Try it: mcptrust policy check --policy ${POLICY_PATH} --lock mcp-lock.json
# mode strict: a failed rule of severity error fails the check (exit 1); severity warn only warns.
${body}`;
}
