#!/usr/bin/env bash
# The slides against the code: every protocol figure regenerated from its
# seeded run must equal the committed one (slides/figures/), every image a
# deck shows must exist and every text figure copied into a deck must be
# the figure's current text; the English and Korean decks must be the same
# decks with the same figures, each slide with a speaker note; each Korean
# lab handout must have its English original's structure; and each
# deck must render with Marp when npx already has it (never downloaded
# here: CI has no npm by default).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "slides: $*"; exit 1; }
cd "$top"

# 1. Figures: the code draws today what the slides show.
slides/figures.sh "$work/fig" >/dev/null || fail "slides/figures.sh failed"
diff -ru slides/figures "$work/fig" ||
  fail "a figure differs from what socklab draws now (diff above);" \
       "if the new one is right: make slides-figures, review, commit"

# 2. Decks: images exist, text figures are current, a note on every slide.
# decks LANG: the decks, numbered NN-topic.md (slides/ko/TERMS.md is not one).
decks() { (cd "slides/$1" && ls -- [0-9][0-9]-*.md); }
[ -n "$(decks en)" ] || fail "no decks in slides/en"
[ "$(decks en)" = "$(decks ko)" ] ||
  fail "slides/en and slides/ko do not have the same decks"
# figures DECK: the figures it refers to, sorted, one per line.
figures() {
  { grep -o '](\.\./figures/[^)]*)' "$1" | sed 's/^](\.\.\/figures\///; s/)$//'
    grep '^```text file=\.\./figures/' "$1" | sed 's/^```text file=\.\.\/figures\///'
  } | sort
}
for lang in en ko; do
  for d in $(decks $lang); do
    deck="slides/$lang/$d"
    head -n 1 "$deck" | grep -qx -- '---' || fail "$deck: no front matter"
    grep -qx 'marp: true' "$deck" || fail "$deck: no 'marp: true'"
    for f in $(figures "$deck"); do
      [ -f "slides/figures/$f" ] || fail "$deck: ../figures/$f does not exist"
    done
    # Each text figure's block holds exactly the figure's lines.
    awk -v dir=slides/figures -v deck="$deck" '
      in_block && $0 == "```" { in_block = 0; next }
      in_block { got[name] = got[name] $0 "\n"; next }
      /^```text file=\.\.\/figures\// {
        name = substr($0, length("```text file=../figures/") + 1)
        in_block = 1; got[name] = ""; next }
      END {
        for (n in got) {
          want = ""
          while ((getline line < (dir "/" n)) > 0) want = want line "\n"
          close(dir "/" n)
          if (want != got[n]) {
            print deck ": the copy of " n " is out of date (make slides-figures)"
            bad = 1
          }
        }
        exit bad
      }' "$deck" || fail "text figures out of date"
    # Every slide (front matter excluded) has a presenter note.
    awk -v deck="$deck" '
      NR == 1 && $0 == "---" { fm = 1; next }
      fm && $0 == "---" { fm = 0; slide = 1; note = 0; next }
      fm { next }
      /^```/ { code = !code }
      !code && $0 == "---" {
        if (!note) { print deck ": slide " slide " has no speaker note"; bad = 1 }
        slide++; note = 0; next }
      !code && /<!--/ { note = 1 }
      END {
        if (!note) { print deck ": slide " slide " has no speaker note"; bad = 1 }
        if (slide < 8) { print deck ": only " slide " slides"; bad = 1 }
        exit bad
      }' "$deck" || fail "missing speaker notes"
    tail -n 30 "$deck" | grep -q 'make grade' ||
      fail "$deck: does not end with its lab (make grade)"
  done
done
for d in $(decks en); do
  [ "$(figures "slides/en/$d")" = "$(figures "slides/ko/$d")" ] ||
    fail "$d: the English and Korean decks show different figures"
done

# 3. Korean handouts: each labs/*/README.ko.md and ANSWERS.ko.md has the
# structure of its English original, so that neither can drift from the
# other unnoticed. A translation rewraps and reorders words, so only what a
# faithful one keeps is compared (skeleton below): the heading levels in
# order, the numbered items (steps, questions) with their numbers, every
# fenced code block byte for byte, and each table row's cells; within a
# cell every number of the English must be there in Korean too (a Korean
# cell may add one, "zero" becoming 0), and a cell that is only a number
# (points) must be that number.
#
# skeleton FILE: one line per structural element, outside code blocks
# ("numbers ..." lines are the numbers of each table cell, compared apart).
skeleton() {
  awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    code {
      print "code: " $0
      if ($0 ~ /^ *```[ \t]*$/) code = 0
      next
    }
    /^ *```/ { code = 1; print "code: " $0; blank = 0; next }
    /^[ \t]*$/ { blank = 1; next }
    /^#+( |$)/ {
      match($0, /^#+/); print "heading level " RLENGTH
      depth = 0; blank = 0; next
    }
    # An ordered-list item: not a wrapped line of a paragraph, which it is
    # when it follows a non-blank line at or past the content of the item
    # it would continue (CommonMark lets only "1." interrupt a paragraph).
    match($0, /^ *[0-9]+[.)] +/) {
      width = RLENGTH; ind = indent($0); num = $0
      sub(/^ */, "", num); sub(/[.)].*/, "", num)
      if (blank || num == 1 || (depth > 0 && ind < content[depth])) {
        while (depth > 0 && ind < content[depth]) depth--
        content[++depth] = width
        print "numbered item " num " at indent " ind
        blank = 0; next
      }
    }
    blank && indent($0) < content[depth] {
      while (depth > 0 && indent($0) < content[depth]) depth--
    }
    { blank = 0 }
    /^ *\|/ {
      row++; line = $0
      gsub(/\\\|/, "", line)                  # an escaped pipe splits nothing
      sub(/^ *\|/, "", line); sub(/\| *$/, "", line)
      n = split(line, cell, "|")
      out = "table row " row ": " n " cells"
      for (i = 1; i <= n; i++) {
        c = cell[i]; gsub(/^ +| +$/, "", c)
        out = out (c ~ /^[0-9]+$/ ? " [" c "]" : " [.]")
        nums = ""
        while (match(c, /[0-9]+(\.[0-9]+)*/)) {
          nums = nums " " substr(c, RSTART, RLENGTH)
          c = substr(c, RSTART + RLENGTH)
        }
        print "numbers " row " " i nums
      }
      print out
    }
  ' "$1"
}
# same_structure EN KO: say where KO's structure differs from EN's, and fail.
same_structure() {
  skeleton "$1" >"$work/en.sk"
  skeleton "$2" >"$work/ko.sk"
  diff -u --label "$1" --label "$2" <(grep -v '^numbers ' "$work/en.sk") \
    <(grep -v '^numbers ' "$work/ko.sk") || {
    echo "$2 does not have the structure of $1 (diff of their skeletons" \
         "above: headings, numbered items, code blocks, table cells)"
    return 1; }
  # Every number of an English table cell is in the same Korean cell.
  awk -v ko="$2" '
    FNR == NR { want[$2 " " $3] = $0; next }
    {
      split(want[$2 " " $3], w, " ")
      delete have
      for (i = 4; i <= NF; i++) have[$i] = 1
      for (i = 4; i in w; i++)
        if (!(w[i] in have)) {
          print ko ": table row " $2 ", cell " $3 " lacks the number " w[i]
          bad = 1
        }
    }
    END { exit bad }' <(grep '^numbers ' "$work/en.sk") \
    <(grep '^numbers ' "$work/ko.sk")
}
handouts=0
for ko in labs/*/README.ko.md labs/*/ANSWERS.ko.md; do
  [ -e "$ko" ] || continue
  en=${ko%.ko.md}.md
  [ -f "$en" ] || fail "$ko: no English $en to translate"
  same_structure "$en" "$ko" || fail "$ko: not the structure of $en"
  handouts=$((handouts + 1))
done
# The check itself, on a small handout of its own: copies broken in one
# way each must fail (a code line, a table number, a step dropped); a copy
# rewrapped so that a line inside a step starts with "7000." must pass.
cat >"$work/en.md" <<'EOF'
# Lab 99 — a sample

## Steps

1. **Build** with `make`, then run the server on port 7000
   and the client:

   ```sh
   ./server 7000
   ```
2. Answer the questions.

| points | test |
| --- | --- |
| 3 | an upload of 70000 to 130000 bytes, exit status 0 |
EOF
sed 's|^   \./server 7000$|   ./server 7001|' "$work/en.md" >"$work/code.md"
sed 's/^| 3 | an upload of 70000/| 3 | an upload of 7000/' "$work/en.md" \
  >"$work/table.md"
sed 's/^2\. Answer/Answer/' "$work/en.md" >"$work/step.md"
sed 's/^\(1\. \*\*Build\*\* with `make`, then run the server on port\) 7000$/\1\
   7000. It/' "$work/en.md" >"$work/wrap.md"
for broken in code table step wrap; do
  ! cmp -s "$work/en.md" "$work/$broken.md" ||
    fail "self-test: sed did not change the sample ($broken)"
done
for broken in code table step; do
  ! same_structure "$work/en.md" "$work/$broken.md" >/dev/null ||
    fail "self-test: a changed $broken in a translation went unnoticed"
done
same_structure "$work/en.md" "$work/wrap.md" ||
  fail "self-test: a line starting with '7000.' inside a step counted as one"

# 4. Rendering, when Marp is already at hand.
# --offline: only a Marp CLI npm already has; nothing is downloaded here.
marp=(npx --offline --yes @marp-team/marp-cli)
if command -v npx >/dev/null 2>&1 && "${marp[@]}" --version >/dev/null 2>&1; then
  "${marp[@]}" --input-dir slides -o "$work/out" >"$work/marp.log" 2>&1 || {
    cat "$work/marp.log"; fail "Marp could not render the decks"; }
  for deck in $(decks en | sed 's|^|slides/en/|') \
              $(decks ko | sed 's|^|slides/ko/|'); do
    html="$work/out/${deck#slides/}"
    html=${html%.md}.html
    [ -s "$html" ] || fail "$deck: Marp wrote no HTML"
    slides=$(grep -o '<section id=' "$html" | wc -l)
    notes=$(grep -o 'class="bespoke-marp-note"' "$html" | wc -l)
    [ "$slides" -ge 8 ] || fail "$deck: Marp rendered $slides slides"
    # Marp took every note as a presenter note, none as a directive.
    [ "$notes" = "$slides" ] ||
      fail "$deck: $notes presenter notes in Marp's HTML for $slides slides"
  done
  rendered="each deck renders with Marp"
else
  echo "slides: Marp CLI not available through npx: rendering not checked" \
       "(make slides installs it; needs Node.js)"
  rendered="rendering skipped"
fi
echo "ok - slides: $(ls slides/figures | wc -l) figures equal what socklab draws;" \
     "$(decks en | wc -l) decks in en and ko with their figures and notes;" \
     "$handouts Korean handouts in the structure of the English; $rendered"
