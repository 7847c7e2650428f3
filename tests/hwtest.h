/* hwtest.h: a small guest under --mode hw, for the equivalence checks of
 * test_monitor.c (both()) and test_hw_vm.c.  Same conventions as
 * vmtest.h's run_src: the guest's memory at host-physical GUEST_BASE,
 * canaries below it and above the monitor's own pages. */
#ifndef HWTEST_H
#define HWTEST_H

#include "vmtest.h"

/* Assemble src and run it under hardware assist, nested paging or shadow
 * (shadow), for at most 2,000,000 ticks; res as run_src fills it. */
static inline void hw_run_src(const char *src, bool shadow, bool strict, run_result *res) {
  run_src(src, shadow ? "hw-shadow" : "hw", strict, res);
}

#endif
