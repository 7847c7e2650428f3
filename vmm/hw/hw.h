/* hw.h: --mode hw and hw-shadow, a monitor built on the CPU's hardware
 * assistance (cpu/vmx.h): the guest runs in guest mode, the monitor
 * handles VM exits.
 *
 *   hw.c        VM entry from the VCPU, the exit handlers, the nested table
 *   hw_mode.c   the two rows of the mode table (core/mode.h), and what
 *               the debugger shows of a VMCS
 *
 * Host-physical memory: core/vm.h's map, whose "technique's pages" are,
 * from vm_own_pages(m), with nested paging (hw_extra):
 *
 *                 +---------------------------+
 *                 | nested page table         |  a directory, and a table
 *                 |   directory + 1 table per |  for every 4 MiB of guest
 *                 |   4 MiB of guest memory   |  memory, all mapped
 *                 +---------------------------+
 *
 * (The shadow pool before them is used only with --paging shadow.)
 *
 * Where the VCPU lives: the CPU keeps it in the VMCS's guest-state area
 * while the guest runs.  The monitor keeps it in the VM's vcpu in between,
 * and loads it into the VMCS at every entry and back at every exit, as
 * KVM keeps a VCPU's registers in its own struct around VMX entries; so
 * the core's VCPU is the guest's, in every mode.  Under shadow paging the
 * VMCS holds the shadow root and paging on, and the VCPU the guest's own
 * CR[ptb] and CR[paging] (every access to the two exits).
 */
#ifndef HW_H
#define HW_H

#include "core/mode.h"
#include "vmx.h"

typedef struct hw_vm {
  vm m;        /* the core's VM: VCPU, memory, console, counters, shadow */
  vmcs s;      /* the VM control structure: the controls, the CPU's copy of the VCPU */
  bool shadow; /* shadow paging (the first VT-x parts) instead of nested */
  uint32_t npt; /* host-physical address of the nested page directory */
} hw_vm;

/* The hw state of a VM of mode_hw or mode_hw_shadow.  (A VM is never a
 * const object: the cast only drops a view's const.) */
static inline hw_vm *hw_of(const vm *m) { return (hw_vm *)(uintptr_t)m; }

/* Host-physical bytes of the nested table for a VM of `size` bytes. */
uint32_t hw_extra(const vmm_opts *o, uint32_t size);
/* Set up the VMCS of m (an hw_vm) for nested or shadow paging. */
int hw_attach(vm *m, bool shadow);
void hw_reset(vm *m);
/* The row's run hook: one VM entry, the exit handled. */
void hw_run(vm *m, uint64_t budget);
/* The row's inject hook: the CPU delivers the trap at the next entry. */
void hw_inject(vm *m, uint32_t cause, uint32_t value, uint32_t epc);
void hw_report(const vm *m, vm_report *r);
/* Nested entries outside the guest's memory, and tables outside its own
 * (shadow paging: the shadow's, core/shadow.c). */
uint64_t hw_outside(const vm *m);

extern const vmm_mode mode_hw, mode_hw_shadow;

#endif
