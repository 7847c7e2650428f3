/* cost.h: the modeled cycle cost of every event, in one table.
 *
 * The simulator does not measure host time; it adds up modeled cycles so
 * that students can compare techniques on a stable scale.  Each event below
 * has a cost in two profiles: `modern` (the default, loosely after recent
 * x86 parts) and `early-vtx` (after the first VT-x CPUs of 2005-2006, whose
 * VM exits cost several thousand cycles; Adams and Agesen, ASPLOS 2006).
 * bin/vmm --cost NAME|FILE picks a profile or reads `key = value` lines.
 *
 * VM_EXIT, the round trip of a VM exit and re-entry (docs/vmcs.md): modern
 * 1,500, within the 1,300 to 2,000 cycles measured on recent parts (about
 * 2,000 for an exit on Nehalem under KVM: Landau et al., SplitX, 2011;
 * about 1,350 from VMRUN back to the host under KVM/SVM, LKML, Dec 2020);
 * early-vtx 6,000, several thousand as on the first VT-x Pentium 4s
 * (Adams and Agesen, ASPLOS 2006).
 *
 * X(NAME, key, modern, early, meaning)
 */
#ifndef COST_H
#define COST_H

#include <stdint.h>

#define COST_TABLE(X)                                                                         \
  X(INSN,         "insn",          1,    1, "an instruction retired")                          \
  X(WALK_REF,     "walk_ref",     20,   30, "one memory reference made by the page walker")     \
  X(TLB_FLUSH,    "tlb_flush",    30,   30, "a tlbflush or tlbi, and the refills it starts")    \
  X(TRAP,         "trap",        120,  150, "trap entry: save pc and flags, switch to kernel, vector") \
  X(IRET,         "iret",         80,  100, "return from a trap")                               \
  X(IO,           "io",          200,  200, "one in or out to a device")                        \
  X(WORLD_SWITCH, "world_switch", 400,  600, "monitor gets control from a guest and gives it back") \
  X(EMULATE,      "emulate",     150,  200, "monitor decodes and emulates one instruction")     \
  X(REFLECT,      "reflect",     150,  200, "monitor builds a trap frame on the VCPU and vectors the guest") \
  X(SHADOW_FILL,  "shadow_fill", 300,  400, "monitor walks the guest table and fills a shadow entry") \
  X(SHADOW_SYNC,  "shadow_sync", 600,  800, "monitor drops shadow entries after a guest page-table change") \
  X(TRANSLATE,    "translate",   400,  600, "binary translator: one guest instruction translated") \
  X(TC_LOOKUP,    "tc_lookup",    40,   60, "translation-cache lookup when a block exits to the monitor") \
  X(VM_EXIT,      "vm_exit",    1500, 6000, "hardware VM exit and re-entry round trip")        \
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
} cost_model;

/* Fill *m with a named profile ("modern" or "early-vtx"); 0 on success. */
int cost_profile(cost_model *m, const char *name);
/* Read `key = value` lines (# comments) over the modern profile.  0, or
 * an exit status (cli/status.h: 66 the file cannot be read, 65 a bad line)
 * with a one-line "file:line: message" in err. */
#define COST_FILE_MAX (1u << 20) /* bytes: a cost file is a few lines */
int cost_load(cost_model *m, const char *path, char *err, int errlen);
const char *cost_key(int event);

#endif
