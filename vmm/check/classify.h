/* classify.h: Popek and Goldberg by experiment (bin/vmm --classify).
 *
 * classify.c runs every instruction of the ISA table from a set of machine
 * states and decides, from what it did, each of Popek and Goldberg's
 * classes (CACM 17(7), 1974; docs/isa.md has the definitions and how the
 * kit's machine maps onto theirs).  The declared class in isa.h is never
 * consulted by the experiment: the tests compare the two.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stdbool.h>
#include <stdio.h>

struct isa_info;

/* What a control-sensitive instruction changed, without a trap: the first
 * two are the paper's (its mode M and relocation register R), the rest the
 * resources of this machine the paper's model leaves out. */
enum {
  PG_MODE = 1u << 0, /* the mode, KM */
  PG_MAP = 1u << 1,  /* the memory map: CR[ptb], CR[paging], the TLB */
  PG_IE = 1u << 2,   /* the interrupt flag */
  PG_CR = 1u << 3,   /* another control register */
  PG_IO = 1u << 4,   /* a device: an I/O port */
  PG_HALT = 1u << 5, /* the machine: halted */
  PG_WAIT = 1u << 6, /* the machine: idle until an interrupt */
};

/* One measured answer: yes, no, or "never ran in such a pair of states
 * without a trap", so the experiment says nothing. */
enum pg_answer { PG_NA, PG_NO, PG_YES };

typedef struct pg_class {
  int user_cause, kernel_cause; /* a trap seen in that mode, or -1 */
  bool privileged;              /* traps in user mode and not in kernel mode */
  unsigned control;             /* PG_* bits: control-sensitive if nonzero */
  enum pg_answer mode;          /* behaviour-sensitive: depends on the mode */
  enum pg_answer location;      /* ... on where it sits in real memory */
  unsigned state;               /* ... on IE (PG_IE) or a control register (PG_CR) */
  unsigned user;                /* PG_* bits and PG_LOC: why it is user-sensitive */
  bool sensitive, user_sensitive;
} pg_class;

enum { PG_LOC = 1u << 7 }; /* in pg_class.user: location-sensitive in user mode */

/* Run the experiment for one instruction, on the real or the strict ISA. */
void classify_insn(const struct isa_info *in, bool strict, pg_class *out);

/* Print the table and both theorems' verdicts; returns how many sensitive
 * instructions are not privileged (Theorem 1's condition fails if > 0). */
int classify_main(FILE *f, bool strict);

/* Does the measured class match the one isa.h declares?  If not, why. */
bool classify_agrees(bool strict, const struct isa_info *in, char *why, size_t len);

#endif
