#!/bin/sh
# List every Swift func, init, deinit and subscript whose body spans more than N lines
# (default 60), longest first: LINES FILE:LINE Type.name. Exits 1 when it lists any, 0 otherwise.
#
#   scripts/long-functions.sh            # Sources/, over 60 lines
#   scripts/long-functions.sh 40         # Sources/, over 40 lines
#   scripts/long-functions.sh 60 Tests   # other folders or files
#
# A function's length is counted from the line of its `func`/`init` keyword to the line of its
# closing brace, both included (attributes and doc comments above it are not counted). The body is
# found by matching braces with a small Swift lexer: comments (nested /* */ too), string literals
# (single-line, multi-line, raw #"…"#, with \( … ) interpolations) are skipped, so a brace inside
# them does not count. A nested function is listed on its own and also counts in its parent.
set -eu

limit=${1:-60}
case $limit in
    ''|*[!0-9]*) echo "usage: $0 [LINES] [PATH...]  (LINES: a number, default 60)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- Sources

files=$(find "$@" -name '*.swift' -type f | LC_ALL=C sort)
[ -n "$files" ] || exit 0

# shellcheck disable=SC2086 # one file name per word: Swift sources have no spaces in their names
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v limit="$limit" '
function reset_file() {
    mode = "code"; depth = 0; paren = 0; sp = 0; fsp = 0; tsp = 0
    pending = 0; want = ""; tok = ""; prev = ""; cdepth = 0
}
# An identifier (or keyword) has ended: decide what it declares.
function word(w) {
    if (want == "fname") { pname = w; want = ""; return }
    if (want == "tname") {
        if (w ~ /^(func|var|let|subscript|init|override|final|static|class|private|public|internal|fileprivate)$/) { want = ""; tname = "" }
        else { tname = (tname ~ /\.$/) ? tname w : w; want = "tname+"; return }
    }
    if (w == "func") { pending = 1; pline = FNR; pname = ""; pparen = paren; want = "fname"; return }
    if ((w == "init" || w == "deinit" || w == "subscript") && prev != ".") {
        pending = 1; pline = FNR; pname = w; pparen = paren; return
    }
    if (w ~ /^(struct|class|enum|extension|actor|protocol)$/ && prev != ".") { want = "tname"; tname = ""; return }
    # a declaration without a body (a protocol requirement) ends where another one begins
    if (pending && w ~ /^(var|let|case|typealias|associatedtype|struct|class|enum|actor|protocol|extension|import)$/) pending = 0
}
function end_word() { if (tok != "") { word(tok); tok = ""; prev = "w" } }
function open_brace() {
    depth++
    if (want == "tname+") { tstack[++tsp] = tname; tdepth[tsp] = depth; want = "" }
    if (pending && paren == pparen) {
        fsp++; fline[fsp] = pline; fname[fsp] = pname; fdepth[fsp] = depth
        ftype[fsp] = tsp > 0 ? tstack[tsp] : ""; pending = 0
    }
}
function close_brace() {
    if (fsp > 0 && fdepth[fsp] == depth) {
        n = FNR - fline[fsp] + 1
        if (n > limit) printf "%d %s:%d %s%s\n", n, FILENAME, fline[fsp], (ftype[fsp] != "" ? ftype[fsp] "." : ""), fname[fsp]
        fsp--
    }
    if (tsp > 0 && tdepth[tsp] == depth) tsp--
    depth--
    if (pending && paren == pparen) pending = 0   # not a closure in a default argument
}
FNR == 1 { reset_file() }
{
    line = $0; len = length(line); i = 1
    if (mode == "linecomment") mode = "code"
    while (i <= len) {
        c = substr(line, i, 1)
        if (mode == "code") {
            if (c ~ /[A-Za-z0-9_]/) { tok = tok c; i++; continue }
            end_word()
            two = substr(line, i, 2)
            if (two == "//") { mode = "linecomment"; break }
            if (two == "/*") { mode = "block"; cdepth = 1; i += 2; continue }
            if (c == "#" || c == "\"") {
                # count the raw delimiter #s, then a string opens with """ or "
                j = i; h = 0
                while (substr(line, j, 1) == "#") { h++; j++ }
                if (substr(line, j, 1) == "\"") {
                    hashes = ""; for (k = 0; k < h; k++) hashes = hashes "#"
                    if (substr(line, j, 3) == "\"\"\"") { stack_push("multi", hashes); i = j + 3 }
                    else { stack_push("single", hashes); i = j + 1 }
                    continue
                }
                prev = c; i++; continue
            }
            if (c == "{") open_brace()
            else if (c == "}") close_brace()
            else if (c == "(") paren++
            else if (c == ")") {
                paren--
                if (sp > 0 && paren == ipd[sp]) { ipd[sp] = -1; mode = smode[sp]; i++; continue }  # interpolation ends
            }
            else if (c == ";") { if (pending && paren == pparen) pending = 0 }
            if (c != " " && c != "\t") {
                if (want == "fname" && c !~ /[(<]/) pname = pname c
                else if (want == "fname") want = ""
                if (want == "tname+" && c == ".") { tname = tname "."; want = "tname" }
                prev = c
            }
            i++; continue
        }
        if (mode == "block") {
            two = substr(line, i, 2)
            if (two == "/*") { cdepth++; i += 2; continue }
            if (two == "*/") { cdepth--; i += 2; if (cdepth == 0) mode = "code"; continue }
            i++; continue
        }
        # inside a string literal: smode/shash of the innermost one
        h = shash[sp]
        if (c == "\\" && substr(line, i + 1, length(h)) == h) {
            k = i + 1 + length(h)
            if (substr(line, k, 1) == "(") {        # interpolation: code until its ")"
                ipd[sp] = paren; paren++; mode = "code"; i = k + 1; continue
            }
            i = k + 1; continue                      # an escaped character
        }
        if (smode[sp] == "multi" && substr(line, i, 3 + length(h)) == "\"\"\"" h) { stack_pop(); i += 3 + length(h); continue }
        if (smode[sp] == "single" && substr(line, i, 1 + length(h)) == "\"" h) { stack_pop(); i += 1 + length(h); continue }
        i++
    }
    if (mode == "code") end_word()
}
function stack_push(m, h) { sp++; smode[sp] = m; shash[sp] = h; ipd[sp] = -1; mode = m }
# a string closes: back to code, the top level or the interpolation of the enclosing string
function stack_pop() { sp--; mode = "code"; prev = "\"" }
' $files >"$tmp"
[ -s "$tmp" ] || exit 0
sort -k1,1nr -k2,2 "$tmp"
exit 1
