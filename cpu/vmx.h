/* vmx.h: hardware assistance for virtualization, the kit's VT-x / AMD-V.
 *
 * An option of the CPU, off unless a monitor uses it.  The CPU gains a
 * second pair of modes: host mode, where the monitor runs (the CPU as it
 * always was), and guest mode, where a guest runs with its kernel in guest
 * kernel mode and its programs in guest user mode.  In guest mode the
 * guest's privileged and special instructions, its traps, its timer and
 * its interrupts act on the guest's own state, in the CPU, at full speed;
 * only the events the monitor chose in the exit controls leave guest mode.
 *
 * One VM control structure (struct vmcs) per virtual CPU, in the monitor's
 * memory, holds everything the switch needs (docs/vmcs.md is the manual):
 *
 *   +---------------------------+
 *   | guest-state area          |  the VCPU, kept by the CPU: registers, pc,
 *   |                           |  flags, control registers, timer, pending
 *   |                           |  interrupts, wfi, console-interrupt enable
 *   +---------------------------+
 *   | host-state area           |  the same for host mode
 *   +---------------------------+
 *   | execution controls        |  VM identifier, exit controls, nested
 *   |                           |  page-table root
 *   +---------------------------+
 *   | entry controls            |  an event to inject at the next entry
 *   +---------------------------+
 *   | exit information          |  reason and qualification (read only)
 *   +---------------------------+
 *   | counters                  |  entries, exits by reason, nested refs
 *   +---------------------------+
 *
 * VM entry (vmx_run):   check the controls and the guest state, save the
 *   host state, load the guest state, tag the TLB with the VM identifier
 *   (a machine without VPID, cost.vpid false, flushes it instead, at entry
 *   and at exit: the first VT-x parts),
 *   deliver the injected event if any, run in guest mode.
 * VM exit:   record reason and qualification, save the guest state, load
 *   the host state, return to the monitor (vmx_run returns the reason).
 *
 * An instruction that exits has not executed: the saved pc is its own.
 */
#ifndef VMX_H
#define VMX_H

#include "cpu.h"

/* Exit reasons.  X(NAME, name, what the exit information holds) */
#define VMX_EXIT_TABLE(X)                                                                       \
  X(EXCEPTION,    "exception",    "qual: cause; value: the trap's value; epc: the pc it would save") \
  X(INTERRUPT,    "interrupt",    "qual: cause (timer or console), taken from irq; epc: next pc") \
  X(HALT,         "halt",         "value: R[s], the halt code")                                 \
  X(WFI,          "wfi",          "nothing more")                                               \
  X(IO,           "io",           "qual: port | VMX_IO_OUT; reg: rd of in, rs of out; value: R[s] of out") \
  X(CR_READ,      "cr-read",      "qual: control register; reg: rd")                            \
  X(CR_WRITE,     "cr-write",     "qual: control register; reg: rs; value: R[s]")               \
  X(TLBI,         "tlbi",         "value: R[s], the virtual address")                           \
  X(TLBFLUSH,     "tlbflush",     "nothing more")                                               \
  X(NPF,          "nested-fault", "qual: VMX_NPF_* bits; gpa, gva: the addresses")              \
  X(PREEMPT,      "preempt",      "the tick budget given to vmx_run ran out")                   \
  X(STOP,         "stop",         "the host asked the CPU to stop (stop_request)")              \
  X(SHUTDOWN,     "shutdown",     "qual: the cpu_exit that stopped the guest's machine; value: halt code") \
  X(ENTRY_FAILED, "entry-failed", "qual: VMX_BAD_* (the check that failed); nothing ran")

enum vmx_exit_reason {
#define VMX_EXIT_ENUM(name, s, m) VMX_EXIT_##name,
  VMX_EXIT_TABLE(VMX_EXIT_ENUM)
#undef VMX_EXIT_ENUM
  NVMX_EXITS
};

/* Exit controls (vmcs.exits): which instructions and events exit.  With a
 * control off the event happens in guest mode, on the guest's state:
 *   HALT off: halt stops the whole machine (a SHUTDOWN exit);
 *   WFI off:  the CPU idles in guest mode on the guest's timer and the
 *             CPU's own console;
 *   IO off:   in and out reach the CPU's own devices (pass-through);
 *   TLB off:  tlbi and tlbflush drop this VM's TLB entries only;
 *   EXTINT off: timer and console interrupts enter the guest's vector.
 * Exceptions exit by cause (exc_bitmap, bit n = cause n below
 * CAUSE_TIMER) and control-register accesses by register (cr_read,
 * cr_write, bit n = CR n). */
enum {
  VMX_CTL_HALT = 1u << 0,
  VMX_CTL_WFI = 1u << 1,
  VMX_CTL_IO = 1u << 2,
  VMX_CTL_TLB = 1u << 3,
  VMX_CTL_EXTINT = 1u << 4,
};

/* Qualification bits.
 *
 * IO:       bits 15..0 the port, bit 16 VMX_IO_OUT (0 for in).
 * NPF:      bits 2..0 the guest's access (P_R, P_W or P_X) that needed
 *           the translation; VMX_NPF_WALK: the failing reference was the
 *           walker's, to a guest page-table entry (else to the final
 *           page); VMX_NPF_WRITE: that reference was a write (a store,
 *           or the walker setting A or D); VMX_NPF_PRESENT: the nested
 *           entry was valid, so the fault is a write to a read-only page. */
enum {
  VMX_IO_OUT = 1u << 16,
  VMX_NPF_WALK = 1u << 3,
  VMX_NPF_WRITE = 1u << 4,
  VMX_NPF_PRESENT = 1u << 5,
};

/* ENTRY_FAILED qualifications: what the entry checks rejected. */
enum {
  VMX_BAD_VMID = 1,   /* vmid not in 1..VMX_MAX_VMID */
  VMX_BAD_NPT = 2,    /* npt_root not page-aligned inside memory */
  VMX_BAD_FLAGS = 3,  /* guest flags outside FLAGS_ALL */
  VMX_BAD_INJECT = 4, /* the injected cause is not a trap cause */
};

/* VM identifiers tag TLB entries: tag_lo = vmid << 1 | 1 must fit in the
 * 12 low bits of a tag (tlb_entry in cpu.h).  The host is vmid 0. */
#define VMX_MAX_VMID 2047u

/* The nested-fault pseudo-cause: what the nested walk (npt.c) reports to
 * the executor in place of a page-fault cause.  It never reaches a guest:
 * cpu_take_trap hands it to vmx_trap, which makes it an NPF exit. */
#define VMX_CAUSE_NPF 0x100u

/* A guest-state or host-state area: what the CPU loads and saves. */
typedef struct vmx_state {
  uint32_t r[NREGS];
  uint32_t pc;
  uint32_t flags; /* F: ZNCV, IE, KM (guest kernel mode when KM) */
  uint32_t cr[NCR];
  uint32_t timer_left; /* ticks until the timer fires, when cr[TIMER] */
  uint32_t irq;        /* pending interrupts, bit n = cause n */
  bool waiting;        /* activity state: executed wfi, not woken yet */
  bool con_irq;        /* the console-input interrupt is enabled */
} vmx_state;

/* An event injected at VM entry, delivered as if it happened right then
 * (the monitor's way to hand the guest a trap it intercepted). */
typedef struct vmx_event {
  bool valid; /* cleared by the entry that delivers it */
  uint32_t cause, value, epc;
} vmx_event;

/* Exit information: written by the CPU at every exit.  Fields a reason
 * does not use (see VMX_EXIT_TABLE) are zero. */
typedef struct vmx_exit_info {
  uint32_t reason;
  uint32_t qual;
  uint32_t value;
  uint32_t reg;
  uint32_t gpa, gva;
  uint32_t epc;
  uint32_t insn; /* the word of an instruction that exited */
  dinsn decoded; /* ... and that instruction, decoded (op OP_ILLEGAL: none) */
  uint32_t pc;   /* guest pc at the exit (also guest.pc) */
} vmx_exit_info;

typedef struct vmx_counters {
  uint64_t entries;
  uint64_t exits[NVMX_EXITS];
  uint64_t nested_refs; /* memory references of the nested dimension */
} vmx_counters;

typedef struct vmcs {
  /* ---- guest-state and host-state areas: the CPU loads and saves ---- */
  vmx_state guest;
  vmx_state host;
  uint32_t host_tag_lo, host_perm_shift; /* the host's TLB tag and mode */
  bool host_trap_to_host;                /* (guest mode always vectors) */

  /* ---- execution controls: set by the monitor before entry ---- */
  uint32_t vmid;       /* 1..VMX_MAX_VMID: tags this VM's TLB entries */
  uint32_t exits;      /* VMX_CTL_* */
  uint32_t exc_bitmap; /* bit n: exception cause n exits */
  uint32_t cr_read;    /* bit n: mfc from CR n exits */
  uint32_t cr_write;   /* bit n: mtc to CR n exits */
  uint32_t npt_root;   /* host-physical nested page directory; 0 = nested
                          paging off (the MMU walks guest.cr[PTB] as a
                          host-physical table: shadow paging) */

  /* ---- entry controls ---- */
  vmx_event inject;

  /* ---- exit information and counters: written by the CPU ---- */
  vmx_exit_info exit;
  vmx_counters n;

  /* ---- a watcher's pause: the simulator's, not VT-x's (vmm/core/vm.h) ----
   * With `pause` set, a run that ends on its tick budget or a stop request
   * is no VM exit but the simulation stopping between two ticks for a
   * watcher (a debugger) to look: vmx_run saves the guest state as ever,
   * but returns VMX_PAUSED (pause_exit: EXIT_BUDGET or EXIT_STOP), counts
   * and charges nothing, and leaves the exit information as it was.  The
   * next entry with `paused` still set resumes the guest with the fetch
   * window it had, and is not counted either.  (A real CPU has no such
   * thing; a simulated one, stopped by its own debugger, does.) */
  bool pause;              /* control: the budget's end is a pause */
  bool paused;             /* the last run ended in one; the monitor clears
                              it if it acts before the next entry */
  enum cpu_exit pause_exit;
  uint32_t pause_pc, pause_fetch_va, pause_fetch_pa, pause_shift; /* the CPU then */
} vmcs;

/* vmx_run's answer for a pause: no exit reason. */
#define VMX_PAUSED NVMX_EXITS

/* VM entry: run the guest of s for at most `ticks` ticks (retired guest
 * instructions plus idle ticks in guest mode) and return the exit reason,
 * also in s->exit.reason.  The CPU must be in host mode. */
uint32_t vmx_run(cpu *c, vmcs *s, uint64_t ticks);

const char *vmx_exit_name(uint32_t reason);

/* ---- the CPU's hooks, called only in guest mode (c->vmcs set) ---- */

/* A trap in guest mode: EXIT_VMEXIT if an exit control takes it (or it is
 * a nested fault), -1 to deliver it through the guest's own vector. */
int vmx_trap(cpu *c, uint32_t cause, uint32_t value, uint32_t epc);
/* A privileged instruction about to execute in guest kernel mode: true
 * (exit information filled) if an exit control takes it. */
bool vmx_insn_exit(cpu *c, const dinsn *d, uint32_t word, uint32_t pc);

/* npt.c: the MMU's slow path and peek when nested paging is on. */
uint8_t *npt_slow(cpu *c, uint32_t va, uint32_t need, uint32_t *cause);
int npt_peek(const cpu *c, uint32_t va, int access, uint32_t *pa);

#endif
