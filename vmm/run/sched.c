/* sched.c: the monitor's VCPU scheduler: weighted round robin over ticks
 * and modeled cycles, with a deficit for overruns.
 *
 * The guests take turns on the one CPU in a fixed order.  A turn (a slice)
 * lasts quantum x weight of the guest's own ticks, so over a round a guest
 * of weight 2 gets twice the ticks of a guest of weight 1:
 *
 *   round:  A (w=2) ======== | B (w=1) ==== | C (w=1) ==== | A ======== ...
 *                            ^ switch: save A's VCPU, load B's
 *
 * or less: a slice also ends when the guest has used quantum x weight x
 * SCHED_CYCLES_PER_TICK of its MODELED CYCLES.  A guest's ticks are not
 * what it costs: the monitor works for it (shadow fills and syncs,
 * emulation, world switches or VM exits, translations, cache flushes,
 * write protection), and all of that is charged to the guest in its
 * modeled cycles (cpu/cost.h).  Shared by ticks alone, a guest that makes
 * the monitor work for every tick it runs (the attackers of
 * tests/vmm/run/, bench/attack.c) took its neighbours' time: 318 times
 * the guest OS's own under bt.  Its slices now end on cycles, and it
 * spends its share on the monitor's work.  An ordinary guest takes a few
 * cycles a tick and its slices end on ticks, as before.  Ticks and cycles
 * are both deterministic, so the schedule is too: the same images and
 * flags give the same interleaving, output and counters every run.
 *
 * A slice can overrun: the CPU stops at a tick, and the events of its last
 * ticks (a translation, a flush) may end past the slice's cycles.  What a
 * slice used counts as its ticks, or its cycles / SCHED_CYCLES_PER_TICK
 * if that is more; beyond the slice it is the guest's debt (credit below
 * 0), and it sits out its turns until what it is given back covers it
 * (deficit round robin): over time every guest gets its share.
 *
 * A guest leaves the queue when it halts, dies, idles forever or uses its
 * --max-steps; the others go on.  Nothing a guest does lengthens its turn:
 * spinning with its interrupts off, idling in wfi, halting in a loop,
 * making the monitor work, all of it is counted in its own ticks and
 * cycles and ends at the slice.
 *
 * The timer.  Time on this machine is ticks (one per retired instruction
 * or idle tick, cpu.c), and the end of a slice is a timer interrupt to the
 * monitor in all but name:
 *   - trap and bt: cpu_run's budget stops the real CPU at exactly the tick
 *     where a real timer programmed with it would fire, with the same
 *     state; the monitor then owns the CPU, as after that interrupt, and
 *     it looks at the cycles after every exit (core/exit.c);
 *   - hw: the budget of vmx_run is the CPU's preemption timer, made for
 *     this: it counts down in guest mode and forces a PREEMPT VM exit.
 *     The host's own CR[timer] is host state, swapped out at VM entry: it
 *     cannot fire while a guest runs.
 * The slice is counted in the guest's ticks, not the real CPU's, because a
 * guest's time also passes in the monitor: an emulated instruction, an
 * idle tick in wfi.  A real timer counting only what the CPU retired would
 * never fire for a guest idling in a loop (the monitor idles it, the CPU
 * retires nothing): the starvation this scheduler exists to prevent.
 *
 * The switch (guest_switch): the VCPU of the guest leaving was saved when
 * its run stopped (trap.c's world_exit, or the VM exit into its VMCS); the
 * next one's is loaded at its entry.  Between the two, in a mode without
 * TLB tags (trap, bt), the TLB is flushed with the next guest's page table
 * loaded; under hw each VM's entries carry its vmid and nothing is flushed.
 */
#include <string.h>

#include "multi.h"
#include "runner.h"

void sched_init(sched *s, sched_guest *q, int n, uint64_t quantum) {
  memset(s, 0, sizeof *s);
  s->q = q;
  s->n = n;
  s->quantum = quantum ? quantum : SCHED_DEFAULT_QUANTUM;
  s->clock = host_now;
}

bool sched_finished(const sched_guest *e) {
  return guest_done(e->g) || (e->limit && guest_ticks(e->g) >= e->limit);
}

/* One turn of guest e, ending by `stop` on the scheduler's clock (ticks). */
static void slice(sched *s, sched_guest *e, uint64_t stop) {
  guest *g = e->g;
  uint64_t now = guest_ticks(g);
  e->credit += (int64_t)(s->quantum * e->weight);
  if (e->credit <= 0) { /* still repaying an overrun */
    e->waits++;
    return;
  }
  uint64_t len = (uint64_t)e->credit;
  if (e->limit && e->limit - now < len) len = e->limit - now;
  if (stop - s->ticks < len) len = stop - s->ticks;
  if (s->on != g) {
    if (s->on) { /* (the first guest finds the CPU fresh) */
      s->switches++;
      if (guest_switch(g)) s->flushes++;
    }
    s->on = g;
  }
  uint64_t cycles = guest_cycles(g);
  double t0 = s->clock();
  guest_run_for(g, len, len * SCHED_CYCLES_PER_TICK);
  e->host_seconds += s->clock() - t0;
  e->slices++;
  uint64_t ticks = guest_ticks(g) - now;
  uint64_t by_cycles = (guest_cycles(g) - cycles + SCHED_CYCLES_PER_TICK - 1) / SCHED_CYCLES_PER_TICK;
  uint64_t used = by_cycles > ticks ? by_cycles : ticks;
  e->used += used;
  e->credit -= (int64_t)used;
  if (e->credit > 0) e->credit = 0; /* what it left (it stopped, or the clock did) is not saved up */
  s->ticks += ticks;
}

int sched_run(sched *s, uint64_t ticks) {
  uint64_t stop = ticks && s->ticks + ticks > s->ticks ? s->ticks + ticks : UINT64_MAX;
  int passed = 0; /* finished guests passed over in a row */
  while (passed < s->n && s->ticks < stop) {
    sched_guest *e = &s->q[s->next];
    s->next = (s->next + 1) % s->n;
    if (sched_finished(e)) {
      passed++;
      continue;
    }
    passed = 0;
    slice(s, e, stop);
    if (s->until && sched_finished(e) && e->g == s->until) break; /* the one watched ended */
  }
  int live = 0;
  for (int i = 0; i < s->n; i++) live += !sched_finished(&s->q[i]);
  return live;
}
