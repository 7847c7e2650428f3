#!/bin/sh
# merge.sh DIR NAME: minimise what the harness DIR/fuzz_NAME found into its
# corpus (make fuzz-merge).
#
# libFuzzer's merge (-merge=1 OUT IN...) adds to OUT the inputs of IN that
# reach coverage OUT does not.  OUT starts with the seeds made from the
# sources (DIR/seeds/NAME) and the hand-made seeds (the corpus files not
# named by a hash); the inputs are the corpus's earlier finds (named by
# their SHA-1, as libFuzzer names them) and DIR/work/NAME.  What the merge
# adds replaces the earlier finds.  Status 0, or 1 with the log.
dir=$(cd "$1" && pwd) name=$2
top=$(pwd)
corpus=$top/tests/fuzz/corpus/$name m=$dir/merge/$name
rm -rf "$m" && mkdir -p "$m/out" "$m/finds" "$dir/work/$name" "$dir/seeds/$name"
found() { ls "$1" | grep -E '^[0-9a-f]{40}$'; }
cp "$dir/seeds/$name"/* "$m/out/" 2>/dev/null
for f in $(ls "$corpus" | grep -vE '^[0-9a-f]{40}$'); do cp "$corpus/$f" "$m/out/"; done
for f in $(found "$corpus"); do cp "$corpus/$f" "$m/finds/"; done
before=$(ls "$m/out" | wc -l)
"$dir/fuzz_$name" -merge=1 "$m/out" "$m/finds" "$dir/work/$name" < /dev/null > "$m/log" 2>&1 || {
  tail -n 20 "$m/log"
  echo "fuzz-merge $name: the merge failed (log: $m/log)"
  exit 1
}
for f in $(found "$corpus"); do rm "$corpus/$f"; done
new=0
for f in $(found "$m/out"); do
  [ -f "$dir/seeds/$name/$f" ] && continue
  cp "$m/out/$f" "$corpus/$f"
  new=$((new + 1))
done
echo "fuzz-merge $name: $new inputs beyond the $before seeds kept in tests/fuzz/corpus/$name"
