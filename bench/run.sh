#!/usr/bin/env bash
# Whole-program benchmark (issues 5 and 17): installs nginx (the feed server) and newsboat (the
# comparison) when they are missing and we are root, then runs `cargo bench --bench whole_program --
# "$@"` (see `--help` there for options; `--server in-process` needs no nginx).
#
# Everything the benchmark creates lives in one temp dir (TMPDIR points into it); on exit, however
# it ends, processes still running from there are killed (by pid) and the dir is removed.
#
#   bash bench/run.sh --quick                    # a try-out: 1 run, 10k cache, no newsboat
#   bash bench/run.sh --only refresh --out r.md  # refresh figures with newsboat, report in r.md
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v newsboat >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "run.sh: installing newsboat for the comparison" >&2
        apt-get install -y newsboat >&2 || { apt-get update >&2 && apt-get install -y newsboat >&2; } ||
            echo "run.sh: newsboat could not be installed: the newsboat comparison is skipped" >&2
    else
        echo "run.sh: newsboat is not installed (and we are not root to install it): the newsboat comparison is skipped" >&2
    fi
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "run.sh: installing nginx to serve the benchmark's feeds" >&2
        apt-get install -y nginx >&2 || { apt-get update >&2 && apt-get install -y nginx >&2; } ||
            echo "run.sh: nginx could not be installed: pass --server in-process" >&2
    else
        echo "run.sh: nginx is not installed (and we are not root to install it): pass --server in-process" >&2
    fi
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tidings-bench.XXXXXX")"
cleanup() {
    # Only processes whose command line names our temp dir: the benchmark's own children.
    for pid in $(pgrep -f -- "$work" || true); do
        if [ "$pid" != "$$" ]; then
            echo "run.sh: killing leftover process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
TMPDIR="$work" cargo bench --bench whole_program -- "$@"
echo "run.sh: finished in $(($(date +%s) - start)) s" >&2
