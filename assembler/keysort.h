/* keysort.h: sorting many 64-bit keys by their top half, in linear time.
 *
 * The symbol index and the lister sort pairs packed into one word, a key
 * above and a number below (a name's hash and its symbol, a branch target
 * and its instruction):
 *
 *     63            32 31             0
 *    +----------------+----------------+
 *    |      key       |     number     |
 *    +----------------+----------------+
 *
 * keysort orders them by key and keeps the order of equal keys (stable),
 * so pairs put in by number come out by number among equal keys. */
#ifndef KEYSORT_H
#define KEYSORT_H

#include <stddef.h>
#include <stdint.h>

/* Sort v[0..n) by v[i] >> 32, stably, with tmp[0..n) as scratch: a radix
 * sort, four passes of a byte each, 2n steps a pass added to *steps. */
void keysort(uint64_t *v, uint64_t *tmp, size_t n, uint64_t *steps);

#endif
