/* classify.h: bin/vmm --classify, Popek and Goldberg by experiment. */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stdbool.h>
#include <stdio.h>

/* classify.c: print the Popek-Goldberg table; returns how many sensitive
 * instructions are not privileged.  classify_agrees checks one instruction
 * against its declared class (for the tests). */
struct isa_info;
int classify_main(FILE *f, bool strict);
bool classify_agrees(bool strict, const struct isa_info *in, char *why, size_t len);

#endif
