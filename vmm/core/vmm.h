/* vmm.h: the runner and monitor's shared definitions: options, the result
 * of a run, exit statuses, and the helpers every mode uses. */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu.h"
#include "image.h"
#include "vmx.h"

/* Exit statuses of bin/vmm (sysexits-style, above any sensible halt code).
 * A guest that halts exits with its halt code modulo 256; guests should keep
 * their codes below 64 so that they never read as one of these. */
#define VMM_EX_USAGE 64    /* bad arguments */
#define VMM_EX_DATAERR 65  /* malformed image, or it does not fit in memory */
#define VMM_EX_NOINPUT 66  /* image cannot be read */
#define VMM_EX_GUEST 70    /* the guest wrecked its machine: trap with no
                              vector, double fault, idle forever */
#define VMM_EX_OSERR 71    /* the host is out of memory */
#define VMM_EX_IOERR 74    /* a stats file cannot be written */
#define VMM_EX_STEPS 75    /* the --max-steps budget ran out */
#define VMM_EX_DIVERGED 76 /* --lockstep: the modes differ, or the guest
                              changed memory outside its own */

typedef struct vmm_opts {
  const char *mode; /* native, trap, ... */
  uint32_t mem;     /* guest memory in bytes */
  uint32_t tlb;     /* TLB entries */
  uint64_t max_steps; /* 0: no limit */
  bool stats;
  const char *stats_json;
  bool strict_isa;
  cost_model cost;
  const char *image; /* its name, for messages and reports */
  /* --mode bt (docs/bt.md) */
  bool bt_priv_trap;   /* --bt-priv trap: privileged instructions trap */
  bool bt_no_chain;    /* --bt-chain off */
  bool bt_no_adapt;    /* --bt-adaptive off: no callouts (bt/bt_adapt.c) */
  uint32_t bt_adapt_threshold; /* --bt-adaptive N; 0 = on, BT_ADAPT_THRESHOLD */
  uint32_t bt_tc_size; /* --tc-size, bytes; 0 = default */
  const char *dump_tc; /* --dump-tc FILE */
  /* --mode hw (docs/vmcs.md) */
  bool hw_shadow; /* --paging shadow (or --mode hw-shadow): no nested paging */
  /* --shadow trace|lazy, the modes that shadow page tables (trap, bt,
   * hw-shadow; core/trace.c): trace write-protects the guest's page-table
   * pages and follows each write; lazy (the default) resynchronises when
   * the guest invalidates its TLB */
  bool shadow_trace;
  /* --mode trap or bt (docs/pv.md) */
  bool pv; /* --pv on: take hcall from the guest kernel as a hypercall */
} vmm_opts;

/* The monitor's counters for one VM (the `vmm` object of --stats-json). */
typedef struct vmm_counters {
  uint64_t emulated[256];     /* by opcode */
  uint64_t reflected[NCAUSES];
  uint64_t world_switches;    /* exits to the monitor and back */
  uint64_t shadow_fills;      /* hidden page faults, filled silently */
  uint64_t guest_page_faults; /* page faults the guest saw */
  uint64_t shadow_syncs;      /* shadow entries dropped on tlbi, tlbflush, ptb */
  uint64_t shadow_reuses;     /* address-space switches back to a kept shadow */
  uint64_t shadow_resets;     /* the shadow pool ran out and was emptied */
  uint64_t direct_insns;      /* guest instructions the real CPU ran itself */
  /* --shadow trace only (core/trace.c; reported only then): */
  bool traced;                /* the VM runs with traced page tables */
  uint64_t traced_writes;     /* guest stores to traced pages, performed by the monitor */
  uint64_t traced_pages;      /* times a guest page became traced (write-protected) */
  uint64_t traced_updates;    /* shadow entries remade or dropped by those writes */
} vmm_counters;

/* The paravirtual interface's counters (the `pv` object of --stats-json,
 * with --pv on; docs/pv.md). */
typedef struct pv_counters {
  uint64_t calls[5];      /* by call number (core/pv.h: PV_NCALLS) */
  uint64_t unknown;       /* hcalls with no such call number: PV_ENOSYS */
  uint64_t errors;        /* calls refused with PV_EINVAL */
  uint64_t pte_updates;   /* page-table entries PV_MMU wrote */
  uint64_t tlb_drops;     /* TLB entries (shadow entries) they dropped */
  uint64_t console_bytes; /* bytes PV_CONSOLE wrote out */
} pv_counters;

/* The binary translator's counters (the `bt` object of --stats-json). */
typedef struct bt_counters {
  uint64_t translations;     /* blocks translated */
  uint64_t translated_insns; /* guest instructions in them */
  uint64_t tc_hits, tc_misses;
  uint64_t tc_invalidations; /* flushes because the guest wrote translated code */
  uint64_t tc_evictions;     /* flushes because the TC was full */
  uint64_t chained;          /* exits patched into direct jumps */
  uint64_t exits;            /* block exits only the translator handled (a lookup,
                                perhaps chaining): no world switch */
  uint64_t protected_writes; /* guest writes to write-protected code pages */
  uint64_t callouts;         /* adaptive translation: monitor work done in line
                                from translated code, no world switch (bt_adapt.c) */
  uint64_t adapted_insns;    /* guest instructions that kept entering the monitor
                                and became callouts */
  uint64_t unadapted_insns;  /* access callouts taken out again: seldom useful */
  uint64_t retranslations;   /* blocks translated again to hold a callout, or not */
  double translate_seconds;  /* host time spent translating */
} bt_counters;

/* Hardware assist's counters (the `hw` object of --stats-json). */
typedef struct hw_counters {
  const char *paging; /* "nested" or "shadow" */
  bool vpid;          /* TLB tagged by VM; false: flushed at every entry and exit */
  uint64_t vm_entries;
  uint64_t vm_exits[NVMX_EXITS]; /* by exit reason (cpu/vmx.h) */
  uint64_t nested_walk_refs;     /* references of the nested dimension */
} hw_counters;

/* What a run produced: the counters as the guest would see them on bare
 * hardware, and the monitor's own (zero natively). */
typedef struct vm_report {
  const char *name;
  const char *mode;
  enum cpu_exit exit;
  uint32_t halt_code;
  trap_info last_trap;
  uint32_t pc;
  cpu_stats st; /* instructions, traps, TLB, as counted for this guest */
  uint64_t cycles;
  double host_seconds;
  bool monitored; /* a monitor mode: vmm below is meaningful */
  vmm_counters vmm;
  bool translated; /* --mode bt: bt below is meaningful */
  bt_counters bt;
  bool hw_assist; /* --mode hw: hw below is meaningful */
  hw_counters hw;
  bool paravirt; /* --pv on: pv below is meaningful */
  pv_counters pv;
} vm_report;

/* Copy the image's segments into physical memory at base + address;
 * -1 with a message if a segment does not fit below limit. */
int load_image(cpu *c, const image *img, uint32_t base, uint32_t limit, char *err, size_t errlen);

/* The limits a user can meet, each derived from the constant it comes
 * from; the programs' messages print them and the documents quote them
 * (tests/tools/test_limits.c checks the quotes, and runs each limit at,
 * just inside and just past its boundary). */
#define VMM_MEM_MIN PAGE_SIZE   /* --mem and mem=: a guest's memory */
#define VMM_MEM_MAX (1u << 30)  /* ... at most 1 GiB, so that several guests and the
                                   monitor's pages fit the 32-bit host-physical space */
#define VMM_TLB_MAX CPU_TLB_MAX /* --tlb: entries, a power of two */

#endif
