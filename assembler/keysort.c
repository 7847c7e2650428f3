/* keysort.c: a least-significant-digit radix sort (Knuth, TAOCP vol. 3,
 * 5.2.5).  Each pass distributes the words by one byte of the key into 256
 * runs, kept in their order within a run, so after the pass for the top
 * byte they are in key order, and equal keys in their first order.
 *
 * Why not a comparison sort: a million keys take 20 passes of merging,
 * each with a branch the processor cannot guess; these four passes read
 * and write the words in order, which the caches like. */
#include "keysort.h"

#include <string.h>

void keysort(uint64_t *v, uint64_t *tmp, size_t n, uint64_t *steps) {
  if (n < 2) return;
  for (int shift = 32; shift < 64; shift += 8) {
    size_t start[257] = {0}; /* start[b + 1]: words whose byte is b; then where run b starts */
    for (size_t i = 0; i < n; i++) start[(v[i] >> shift & 255) + 1]++;
    if (start[(v[0] >> shift & 255) + 1] == n) { /* all one byte value: nothing moves */
      *steps += n;
      continue;
    }
    for (int b = 0; b < 256; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) tmp[start[v[i] >> shift & 255]++] = v[i];
    memcpy(v, tmp, n * sizeof *v);
    *steps += 2 * (uint64_t)n;
  }
}
