#!/bin/sh
# seeds.sh OUT: the fuzzers' seeds made from the kit's own sources and
# images, into OUT/NAME/ (make builds them in build/fuzz/seeds before any
# fuzzing).  They are made, not kept, so that they are always the sources
# as they are now; tests/fuzz/corpus/NAME/ keeps only hand-made seeds and
# what fuzzing found.
#
#   asm    every assembly source of the kit (guest OS, its programs and
#          benchmarks, the guest tests, the debugger's and translator's test
#          guests, lab 1) and two generated kernels (bin/vgen), cut into
#          pages of whole lines of at most 2 KiB: the harness reads no more
#   image  the small guest images of build/guests (three guest tests: the
#          harness reads 16 KiB), the hand-made assembly seeds and the debugger's
#          test kernel, assembled
#   cpu    those images' memory from 0x1000 (build/fuzz/seed-cpu), each
#          under a different machine and configuration byte
#   vdb    each debugger script of tests/vmm/vdb/cases, behind a mode byte
#          (the scripts cycle through the modes)
#
# Needs bin/vasm, bin/vgen, build/fuzz/seed-cpu and the guest images.
# Exit status 0, or 1 if a seed could not be made.
set -eu
out=$1
rm -rf "$out.new"
mkdir -p "$out.new/asm" "$out.new/image" "$out.new/cpu" "$out.new/vdb" "$out.new/modes"
o=$out.new

# A source, cut into pages: NAME-1.s, NAME-2.s, ...
pages() { # FILE NAME
  awk -v base="$o/asm/$2" '
    { line = $0 "\n"
      if (n > 0 && n + length(line) > 2048) { close(f); k++; n = 0 }
      f = base "-" (k + 1) ".s"
      printf "%s", line > f
      n += length(line) }' "$1"
}
for f in guestos/*.s guestos/*.inc guestos/user/*.s guestos/bench/*.s guestos/bench/*.inc \
  tests/guests/*.s tests/guests/*.inc tests/vmm/vdb/cases/*.s tests/vmm/bt/*.s tests/vmm/run/*.s \
  labs/lab1/*.s labs/lab1/*.inc; do
  [ -f "$f" ] || continue
  pages "$f" "$(echo "$f" | tr / _ | sed 's/\.[a-z]*$//')"
done
bin/vgen --length 12 11 -o "$o/gen-11.s" && pages "$o/gen-11.s" gen-11 && rm "$o/gen-11.s"
bin/vgen --attack --length 60 3 -o "$o/gen-attack-3.s" && pages "$o/gen-attack-3.s" gen-attack-3 && rm "$o/gen-attack-3.s"

# Images: the hand-made assembly seeds that assemble, and the kit's.
for f in tests/fuzz/corpus/asm/*.s tests/vmm/vdb/cases/kern.s; do
  bin/vasm "$f" -o "$o/image/$(basename "$f" .s).img" > /dev/null 2>&1 || rm -f "$o/image/$(basename "$f" .s).img"
done
for f in test-console test-tlb test-pte-ad; do cp "build/guests/$f.img" "$o/image/"; done

# The CPU harness: memory from 0x1000 of those images, under each machine
# (configuration bits 5-7: native, trap, bt, hw, hw-shadow) with a
# different TLB, paging and ISA each.
for img in "$o"/image/*.img; do
  n=$(basename "$img" .img) m=0
  for cfg in 0x10 0x33 0x5a 0x6d 0x97; do
    build/fuzz/seed-cpu $cfg "$img" "$o/cpu/$n-$m.bin" 2> /dev/null || true
    m=$((m + 1))
  done
done

# The debugger: mode byte K for the K-th script.
k=0
for f in tests/vmm/vdb/cases/*.cmd; do
  { printf "\\$(printf %03o $((k % 5)))"; cat "$f"; } > "$o/vdb/$(basename "$f" .cmd).txt"
  k=$((k + 1))
done

for d in asm image cpu vdb; do
  [ -n "$(ls "$o/$d")" ] || { echo "seeds: no $d seeds" >&2; exit 1; }
done
rm -rf "$out" && mv "$o" "$out"
echo "seeds: $(find "$out" -type f | wc -l) seeds in $out"
