#!/bin/sh
# How many items Newsboat stores for every feed file of the shared corpus: the floor that
# tests/real_feeds.rs holds tidings to ("at least as many items as Newsboat on every file").
#
#   bench/newsboat-counts.sh [CORPUS_DIR] > tests/fixtures/feeds/real/newsboat-counts.tsv
#
# CORPUS_DIR defaults to ../shared/corpus/feeds (beside the project). The files are those of its
# MANIFEST.tsv with role "input" and a feed format (RSS, Atom, RDF/RSS 1.0, JSON Feed): the same
# selection as the test. Newsboat reads each through a file:// URL into a new throwaway cache
# (`newsboat -u urls -c cache.db -x reload`, one file per run); the count per file is its rows in
# rss_item. A file Newsboat cannot read counts 0. Output: a comment line naming the Newsboat version, a header, then
# `path<TAB>items` sorted by path (path relative to CORPUS_DIR).
#
# Needs newsboat (Debian: apt-get install -y newsboat), sqlite3 and python3.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-"$here/../shared/corpus/feeds"}
corpus=$(cd "$corpus" && pwd)
for tool in newsboat sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The selection, and one file:// URL per file (percent-encoded), in the same order.
python3 - "$corpus" "$work" <<'PY'
import sys, urllib.parse
corpus, work = sys.argv[1], sys.argv[2]
def is_feed(fmt):
    return ((fmt.startswith("rss") and fmt != "rss-in-json") or fmt.startswith("atom")
            or fmt.startswith("rdf:RDF (RSS") or fmt.startswith("jsonfeed"))
paths = []
with open(f"{corpus}/MANIFEST.tsv", encoding="utf-8") as manifest:
    next(manifest)
    for line in manifest:
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= 5 and cols[3] == "input" and is_feed(cols[4]):
            paths.append(cols[0])
with open(f"{work}/paths", "w", encoding="utf-8") as out, open(f"{work}/urls.all", "w", encoding="utf-8") as urls:
    for p in sorted(paths):
        out.write(p + "\n")
        urls.write("file://" + urllib.parse.quote(f"{corpus}/{p}") + "\n")
PY

# One Newsboat run per file, each with a new cache: Newsboat's cache looks items up by guid across all
# feeds, so test files that share guids (or links) would hide each other's items in one cache.
: >"$work/config"
: >"$work/counts"
while IFS= read -r url; do
    rm -f "$work/cache.db" "$work/cache.db.lock"
    printf '%s\n' "$url" >"$work/urls"
    (cd "$work" && HOME="$work" newsboat -u urls -c cache.db -C config -x reload >/dev/null 2>&1 || true)
    count=$(sqlite3 "$work/cache.db" "SELECT COUNT(*) FROM rss_item" 2>/dev/null || echo 0)
    printf '%s\t%s\n' "$url" "${count:-0}" >>"$work/counts"
done <"$work/urls.all"

echo "# $(newsboat --version | head -n 1 | cut -d' ' -f1,2): items stored per corpus file (bench/newsboat-counts.sh)"
printf 'path\tnewsboat_items\n'
python3 - "$corpus" "$work" <<'PY'
import sys, urllib.parse
corpus, work = sys.argv[1], sys.argv[2]
counts = {}
with open(f"{work}/counts", encoding="utf-8") as f:
    for line in f:
        url, n = line.rstrip("\n").rsplit("\t", 1)
        counts[url] = int(n)
with open(f"{work}/paths", encoding="utf-8") as f:
    for p in f:
        p = p.rstrip("\n")
        url = "file://" + urllib.parse.quote(f"{corpus}/{p}")
        print(f"{p}\t{counts.get(url, 0)}")
PY
