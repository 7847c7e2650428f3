/* cost.h: the modeled cycle cost of every event, in one table.
 *
 * The simulator does not measure host time; it adds up modeled cycles so
 * that students can compare techniques on a stable scale.  Each event below
 * has a cost in two profiles, and each profile is a machine: its costs and
 * whether its TLB is tagged by VM (cost_model.vpid).
 *
 *   modern     (the default) loosely after recent x86 parts: a VM exit of
 *              1,500 cycles, TLB entries tagged by VM (VPID), no flush on
 *              VM entry or exit.
 *   early-vtx  after the machine of Adams and Agesen, "A Comparison of
 *              Software and Hardware Techniques for x86 Virtualization"
 *              (ASPLOS 2006; a Pentium 4 672 with the first VT-x): its
 *              untagged TLB is flushed on every VM entry and exit (VPID
 *              came with later parts), and the costs marked [AA] below are
 *              set from the paper's own measurements (its section 6.2,
 *              "nanobenchmarks"), so that the kit's table beside theirs
 *              (docs/compare.md) compares like with like.
 *
 * Where the early-vtx figures come from (cycles, Pentium 4 672):
 *   io         3,209  [AA] native `in` from port 0x80: "requiring 3209 cycles"
 *   trap, iret 500, 240  [AA] native divzero, a fault, a handler that steps
 *              over it and iret: 889 cycles; less the handler's own work
 *              (a few instructions and an mtc) that leaves about 740 for
 *              the fault and the return, split about 2:1
 *   ctl_write  140  [AA] the software VMM's cr8 write, translated to plain
 *              instructions, took 35 cycles, "about four times faster than
 *              native": a serializing write of control state costs about
 *              140 natively.  (Applies to cli, sti and mtc.)
 *   vm_exit    10,000  [AA] a true page fault cost 1,093 natively and
 *              11,242 under the hardware VMM, which takes one exit for it:
 *              about 10,000 for the exit and the early monitor's handling
 *              of it (its `in`, one exit, took 15,826)
 * The others (walk_ref, world_switch, emulate, reflect, the shadow and
 * translation costs) are the kit's estimates, as are all modern figures
 * but vm_exit: modern 1,500, within the 1,300 to 2,000 cycles measured on
 * recent parts (about 2,000 for an exit on Nehalem under KVM: Landau et
 * al., SplitX, 2011; about 1,350 from VMRUN back to the host under
 * KVM/SVM, LKML, Dec 2020).
 *
 * bin/vmm --cost NAME|FILE picks a profile or reads `key = value` lines
 * (over modern); --vpid on|off overrides the profile's TLB tagging.
 *
 * The monitor's own work for a guest (shadow fills and syncs, emulation,
 * translation, cache flushes, write protection, VM exits) is charged to
 * that guest here like its instructions, so that a guest which makes the
 * monitor work pays for it in its own modeled cycles: the scheduler shares
 * those (docs/multi.md), so it cannot take its neighbours' time.  A cost
 * is at least the host work's size in instructions: TC_FLUSH resets a
 * 1024-head hash table, SHADOW_SCAN reads 1024 entries.
 *
 * X(NAME, key, modern, early, meaning)
 */
#ifndef COST_H
#define COST_H

#include <stdbool.h>
#include <stdint.h>

#define COST_TABLE(X)                                                                         \
  X(INSN,         "insn",          1,    1, "an instruction retired")                          \
  X(WALK_REF,     "walk_ref",     20,   30, "one memory reference made by the page walker")     \
  X(TLB_FLUSH,    "tlb_flush",    30,   30, "a tlbflush or tlbi, and the refills it starts")    \
  X(TRAP,         "trap",        120,  500, "trap entry: save pc and flags, switch to kernel, vector") \
  X(IRET,         "iret",         80,  240, "return from a trap")                               \
  X(CTL_WRITE,    "ctl_write",    20,  140, "the CPU executes cli, sti or mtc: a serializing write of control state") \
  X(IO,           "io",          200, 3209, "one in or out to a real device (a monitor's virtual device costs emulate)") \
  X(WORLD_SWITCH, "world_switch", 400,  600, "monitor gets control from a guest and gives it back") \
  X(EMULATE,      "emulate",     150,  200, "monitor decodes and emulates one instruction")     \
  X(REFLECT,      "reflect",     150,  200, "monitor builds a trap frame on the VCPU and vectors the guest") \
  X(SHADOW_FILL,  "shadow_fill", 300,  400, "monitor walks the guest table and fills a shadow entry") \
  X(SHADOW_SYNC,  "shadow_sync", 600,  800, "monitor drops shadow entries after a guest page-table change") \
  X(TRANSLATE,    "translate",   400,  600, "binary translator: one guest instruction translated") \
  X(TC_LOOKUP,    "tc_lookup",    40,   60, "translation-cache lookup when a block exits to the monitor") \
  X(TC_FLUSH,     "tc_flush",   2000, 2000, "binary translator: every translation dropped, its tables reset") \
  X(WRITE_PROTECT, "write_protect", 300, 400, "monitor write-protects a guest page in the shadow (translated code)") \
  X(SHADOW_SCAN,  "shadow_scan", 1024, 1024, "monitor reads a whole shadow page table (1024 entries) looking for a page") \
  X(VM_EXIT,      "vm_exit",    1500, 10000, "hardware VM exit and re-entry round trip")        \
  X(NESTED_REF,   "nested_ref",   20,   30, "one memory reference of the nested (guest-physical) walk")

enum cost_event {
#define COST_ENUM(name, key, modern, early, m) COST_##name,
  COST_TABLE(COST_ENUM)
#undef COST_ENUM
  NCOSTS
};

typedef struct cost_model {
  const char *name;
  uint32_t c[NCOSTS];
  /* The TLB's entries carry a VM identifier (VPID, or AMD's ASID): VM entry
   * and exit keep them.  Off (early-vtx), every entry and exit flushes the
   * whole TLB, as the first VT-x parts did (cpu/vmx.c). */
  bool vpid;
} cost_model;

/* Fill *m with a named profile ("modern" or "early-vtx"), its costs and its
 * TLB tagging; 0 on success. */
int cost_profile(cost_model *m, const char *name);
/* Read `key = value` lines (# comments) over the modern profile.  0, or
 * an exit status (cli/status.h: 66 the file cannot be read, 65 a bad line)
 * with a one-line "file:line: message" in err. */
#define COST_FILE_MAX (1u << 20) /* bytes: a cost file is a few lines */
int cost_load(cost_model *m, const char *path, char *err, int errlen);
const char *cost_key(int event);

#endif
