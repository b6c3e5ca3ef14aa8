#!/usr/bin/env bash
# The one test command (npm test): type-checks, then runs every suite with vitest, the
# pyVmomi, govmomi, rbvmomi, node-soap and node-vsphere-soap interop suites, the wiring examples
# (examples/vitest, examples/pytest, examples/go) and the browser suite (Debian's chromium)
# included. Missing prerequisites are installed when this runs as root with apt-get; otherwise
# the suites that need them fail and say how.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
/usr/bin/python3 -c 'import pyVmomi' >/dev/null 2>&1 || missing+=(python3-pyvmomi)
/usr/bin/python3 -c 'import pytest' >/dev/null 2>&1 || missing+=(python3-pytest)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/vmware/govmomi ] || missing+=(golang-github-vmware-govmomi-dev)
ruby -e 'require "rbvmomi"' >/dev/null 2>&1 || missing+=(ruby-rbvmomi)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-all: installing interop prerequisites: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
  else
    echo "test-all: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    echo "test-all: the suites that need them will fail until then (they are never skipped)." >&2
  fi
fi

# wsdl/ is generated from pyVmomi 8's metadata, which no registry here packages: a checkout of
# pyVmomi's public repository, named by VTASK_PYVMOMI_SOURCE (default /tmp/pyvmomi8), lets
# test/unit/managed-types.test.ts check that gen-wsdl.py still writes the committed files.
pyvmomi8="${VTASK_PYVMOMI_SOURCE:-/tmp/pyvmomi8}"
if [ ! -f "$pyvmomi8/pyVmomi/VmomiSupport.py" ]; then
  echo "test-all: no pyVmomi 8 checkout at $pyvmomi8 (set VTASK_PYVMOMI_SOURCE); the wsdl/ reproduction test checks provenance only (its name says so)." >&2
fi

echo "test-all: type-checking src/, test/, bench/, scripts/ and the page (ui/)"
npx tsc -p tsconfig.check.json
npx tsc -p ui/tsconfig.json --noEmit
echo "test-all: lint and format check (npm run lint)"
npx biome check .

report="$(mktemp -t vtask-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit "$status"
