#!/usr/bin/env bash
# The slides against the code: every protocol figure regenerated from its
# seeded run must equal the committed one (slides/figures/), every image a
# deck shows must exist and every text figure copied into a deck must be
# the figure's current text; the English and Korean decks must be the same
# decks with the same figures, each slide with a speaker note; and each
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

# 3. Rendering, when Marp is already at hand.
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
     "$(decks en | wc -l) decks in en and ko with their figures and notes; $rendered"
