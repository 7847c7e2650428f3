/* snapshot.h: a whole machine, copied and put back.
 *
 * A snapshot holds everything that decides what the machine does next:
 * registers, control registers, physical memory, the TLB, the fetch
 * window, the timer, pending interrupts and every counter.  Putting it back
 * makes the machine continue exactly as it did from that point (the
 * simulation is deterministic), which is what the debugger's reverse
 * execution rests on: checkpoints plus replay.
 *
 * The translator's marks on words (cpu_mark_word) are copied too.
 *
 * Not in a snapshot: the host's ends of the console (ctx, putc, getc,
 * status), stop_request, and the decoded-instruction cache, which is only
 * a cache: a restore marks every decoded page "not decoded yet" and keeps
 * exactly the set of pages that had one, because that set decides which TLB
 * entries may take the fast write path. */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stddef.h>

#include "cpu.h"

typedef struct cpu_snap cpu_snap;

/* Copy machine c; NULL when out of host memory. */
cpu_snap *snap_take(const cpu *c);
/* Put a snapshot back into the machine it was taken from (same memory and
 * TLB sizes; the kit panics otherwise). */
void snap_restore(cpu *c, const cpu_snap *s);
void snap_free(cpu_snap *s);
/* Host bytes the snapshot occupies. */
size_t snap_bytes(const cpu_snap *s);

#endif
