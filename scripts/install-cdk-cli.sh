#!/usr/bin/env bash
# Installs the aws-cdk CLI, and nothing else, exactly as package-lock.json pins it (version and
# integrity hash), with install scripts off. For the deploy job, which can mint AWS credentials: none
# of the project's other packages is installed there, and no package code runs at install time.
#
# A one-package lockfile is written to <dir> and `npm ci` installs from it, so npm checks the
# tarball against the lockfile's hash (`npm install aws-cdk@<version>` would take any bytes the
# registry serves under that version).
#
# Usage: scripts/install-cdk-cli.sh <dir> [lockfile]      then run <dir>/node_modules/.bin/cdk
#   lockfile: where the pin is read (default: the repository's package-lock.json)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:?usage: scripts/install-cdk-cli.sh <dir> [lockfile]}"
lockfile="${2:-$root/package-lock.json}"
mkdir -p "$dest"

node - "$lockfile" "$dest" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [lockPath, dest] = process.argv.slice(2);
const fail = (message) => {
  console.error(`install-cdk-cli: ${message}`);
  process.exit(1);
};
const cli = JSON.parse(fs.readFileSync(lockPath, 'utf8')).packages?.['node_modules/aws-cdk'];
if (!cli?.version || !cli.integrity) fail(`${lockPath} has no aws-cdk entry with a version and an integrity hash`);
// The CLI is published as one self-contained package; a dependency would be missing from this lockfile.
if (Object.keys({ ...cli.dependencies, ...cli.optionalDependencies }).length > 0) {
  fail(`aws-cdk ${cli.version} now has dependencies; extend this script to copy them into the lockfile`);
}
const name = 'deploy-cdk-cli';
const dependencies = { 'aws-cdk': cli.version };
const entry = { version: cli.version, integrity: cli.integrity, license: cli.license, bin: cli.bin, engines: cli.engines };
if (cli.resolved) entry.resolved = cli.resolved;
const lock = {
  name,
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name, dependencies }, 'node_modules/aws-cdk': entry },
};
fs.writeFileSync(path.join(dest, 'package.json'), `${JSON.stringify({ name, private: true, dependencies }, null, 2)}\n`);
fs.writeFileSync(path.join(dest, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
console.log(`install-cdk-cli: aws-cdk ${cli.version} (${cli.integrity})`);
JS

cd "$dest"
npm ci --ignore-scripts --no-audit --no-fund
./node_modules/.bin/cdk --version
