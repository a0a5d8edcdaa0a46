#!/bin/sh
# The layer table of lib/README.md, applied.  One table, three uses:
#
#   lib/layers.sh views DIR   DIR/LAYER/ for each layer: links to the
#                             folders it may include, and nothing else;
#                             the Makefile compiles lib/LAYER/ with
#                             -IDIR/LAYER, so a forbidden include fails
#   lib/layers.sh check       every #include "..." under lib/ against the
#                             table (make check-layers, run by make lint)
#   lib/layers.sh calls OBJ   every call between the objects OBJ/lib/*/*.o
#                             against the table (make check-calls): an
#                             include can be avoided, a call cannot
#
# Plain sh and awk: it runs wherever make does.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
readme="$top/lib/README.md"

# "LAYER FOLDER ALLOWED..." per row, from between the markers.
table() {
  awk '
    /<!-- layers:begin/ { on = 1; next }
    /<!-- layers:end/ { on = 0 }
    on && /^\| `/ {
      n = split($0, cell, "|")
      layer = cell[2]; folder = cell[3]; may = cell[5]
      gsub(/[` ]/, "", layer); gsub(/[` ]/, "", folder)
      gsub(/`/, " ", may)
      printf "%s %s", layer, folder
      m = split(may, w, " ")
      for (i = 1; i <= m; i++) printf " %s", w[i]
      printf "\n"
    }' "$readme"
}

die() {
  echo "lib/layers.sh: $*" >&2
  exit 2
}

# The table must make sense before anything is checked against it.
sane() {
  rows=$(table)
  [ -n "$rows" ] || die "no layer table between the layers markers in $readme"
  echo "$rows" | awk -v top="$top" '
    { layer[$1] = 1; folder[$1] = $2; line[$1] = $0 }
    END {
      bad = 0
      for (l in layer) {
        split(line[l], w, " ")
        self = 0
        for (i = 3; i in w; i++) {
          if (!(w[i] in layer)) {
            printf "lib/README.md: %s may include %s, which is no layer\n", l, w[i]
            bad = 1
          }
          if (w[i] == l) self = 1
          may[l, w[i]] = 1
        }
        if (!self) {
          printf "lib/README.md: %s does not name itself among what it may include\n", l
          bad = 1
        }
        if (l != "public" && folder[l] != "lib/" l) {
          printf "lib/README.md: layer %s lives in %s; a layer is the folder lib/%s\n", l, folder[l], l
          bad = 1
        }
      }
      for (a in layer) for (b in layer)
        if (a < b && may[a, b] && may[b, a]) {
          printf "lib/README.md: %s and %s may include each other: a cycle\n", a, b
          bad = 1
        }
      exit bad
    }' || die "the layer table is inconsistent (above)"
}

views() {
  dir=$1
  rm -rf "$dir"
  table | while read -r layer folder may; do
    mkdir -p "$dir/$layer"
    for m in $may; do
      if [ "$m" = public ]; then
        ln -s "$top/lib/include/socklab" "$dir/$layer/socklab"
        ln -s "$top/lib/include/socklab.h" "$dir/$layer/socklab.h"
      else
        ln -s "$top/lib/$m" "$dir/$layer/$m"
      fi
    done
  done
}

# Each quoted include of lib/ as "FILE LINE LAYER TARGET", then awk judges.
check() {
  cd "$top"
  {
    table | sed 's/^/table /'
    find lib -name '*.[ch]' | sort | while read -r f; do
      case "$f" in
      lib/include/*) layer=public ;;
      lib/*/*) layer=$(echo "$f" | cut -d/ -f2) ;;
      *) layer=- ;;
      esac
      echo "file $f $layer"
      grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
        while read -r n inc; do
          # Where an unqualified name is found, for the message.
          where=$(ls -d lib/"$layer"/"$inc" lib/*/"$inc" 2>/dev/null |
                  head -1 | cut -d/ -f2-)
          echo "include $f $layer $n $inc ${where:-$layer/$inc}"
        done
    done
  } | awk '
    $1 == "table" {
      known[$2] = 1
      for (i = 4; i <= NF; i++) { may[$2, $i] = 1; list[$2] = list[$2] " " $i }
      next
    }
    $1 == "file" {
      files++
      if (!($3 in known)) {
        printf "%s: in no layer of lib/README.md (a layer is a folder lib/LAYER)\n", $2
        bad++
      }
      next
    }
    $1 == "include" {
      f = $2; layer = $3; n = $4; inc = $5
      incs++
      if (!(layer in known))
        next
      if (inc ~ /(^|\/)\.\.(\/|$)/) {
        printf "%s:%s: #include \"%s\": no .. in an include; name the layer\n", f, n, inc
        bad++
        next
      }
      if (inc == "socklab.h" || inc ~ /^socklab\//)
        target = "public"
      else if (index(inc, "/") == 0) {
        printf "%s:%s: #include \"%s\": write the layer, as \"%s\"\n", f, n, inc, $6
        bad++
        next
      } else
        target = substr(inc, 1, index(inc, "/") - 1)
      if (!(target in known)) {
        printf "%s:%s: #include \"%s\": %s is no layer of lib/README.md\n", f, n, inc, target
        bad++
      } else if (!may[layer, target]) {
        printf "%s:%s: #include \"%s\": %s may not include %s (lib/README.md: %s may include%s)\n", f, n, inc, layer, target, layer, list[layer]
        bad++
      }
    }
    END {
      if (bad) {
        printf "check-layers: %d include%s against the layer table of lib/README.md\n", bad, bad == 1 ? "" : "s"
        exit 1
      }
      printf "check-layers: %d files, %d includes, each as lib/README.md'"'"'s table allows\n", files, incs
    }'
}

calls() {
  obj=$1
  cd "$top"
  {
    table | sed 's/^/table /'
    for o in $(find "$obj/lib" -name '*.o' | sort); do
      # An object left from a source since moved or removed is not ours.
      src=${o#"$obj"/}
      [ -f "${src%.o}.c" ] || continue
      layer=$(echo "$src" | cut -d/ -f2)
      nm "$o" | awk -v o="$o" -v l="$layer" '
        $1 == "U" { print "use", o, l, $2; next }
        NF == 3 && $2 ~ /^[TDBRC]$/ { print "def", o, l, $3 }'
    done
  } | awk '
    $1 == "table" { for (i = 4; i <= NF; i++) { may[$2, $i] = 1; list[$2] = list[$2] " " $i }; next }
    $1 == "def" { def[$4] = $3; next }
    $1 == "use" { use[++n] = $0; next }
    END {
      for (i = 1; i <= n; i++) {
        split(use[i], w, " ")
        o = w[2]; l = w[3]; sym = w[4]
        if (!(sym in def) || def[sym] == l) continue
        if (!may[l, def[sym]]) {
          printf "%s: calls %s of %s, which %s may not use (lib/README.md: %s may include%s)\n", o, sym, def[sym], l, l, list[l]
          bad++
        }
        calls++
      }
      if (bad) { printf "check-calls: %d call%s against the layer table\n", bad, bad == 1 ? "" : "s"; exit 1 }
      printf "check-calls: %d calls between layers, each as lib/README.md'"'"'s table allows\n", calls
    }'
}

case "${1:-}" in
views)
  [ $# -eq 2 ] || die "usage: lib/layers.sh views DIR"
  sane
  views "$2"
  ;;
check)
  sane
  check
  ;;
calls)
  [ $# -eq 2 ] || die "usage: lib/layers.sh calls OBJDIR"
  sane
  calls "$2"
  ;;
*)
  die "usage: lib/layers.sh views DIR | check | calls OBJDIR"
  ;;
esac
