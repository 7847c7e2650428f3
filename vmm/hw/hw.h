/* hw.h: --mode hw, a monitor built on the CPU's hardware assistance
 * (cpu/vmx.h): the guest runs in guest mode, the monitor handles VM exits.
 *
 * Host-physical memory of one hardware-assisted VM:
 *
 *   base          +---------------------------+
 *                 | guest-physical memory     |  guest-physical 0 .. size
 *   base + size   +---------------------------+
 *                 | shadow page-table pool    |  --paging shadow only
 *                 |   (SHADOW_POOL pages)     |
 *                 +---------------------------+
 *                 | nested page table         |  --paging nested only: a
 *                 |   directory + 1 table per |  directory, and a table for
 *                 |   4 MiB of guest memory   |  every 4 MiB, all mapped
 *   base + size   +---------------------------+
 *     + hw_extra(size)
 *
 * Where the VCPU lives: in the VMCS guest-state area, kept by the CPU.  The
 * monitor's vm (vm.h) still holds the guest's memory, its console, the
 * counters and, under shadow paging, the shadow tables and the values of
 * CR[ptb] and CR[paging] the guest believes in (the VMCS holds the shadow
 * root instead, and every access to the two exits).
 */
#ifndef HW_H
#define HW_H

#include "core/vm.h"
#include "vmx.h"

typedef struct hw_vm {
  vm m;        /* memory, console, counters, virtual time, shadow tables */
  vmcs s;      /* the VM control structure: the VCPU and the controls */
  bool shadow; /* shadow paging (the first VT-x parts) instead of nested */
  uint32_t npt; /* host-physical address of the nested page directory */
  /* The CPU's retirement counters when the monitor last looked: what ran
   * in guest mode since then is the guest's. */
  uint64_t seen_insns, seen_user, seen_idle;
} hw_vm;

/* Host-physical bytes a VM of `size` bytes needs beyond its memory. */
uint32_t hw_extra(uint32_t size);
/* A VM on machine c with its memory at host-physical base, tagged vmid
 * in the TLB; its controls set for nested or shadow paging. */
void hw_vm_init(hw_vm *h, cpu *c, const char *name, uint32_t base, uint32_t size, bool shadow, uint32_t vmid);
/* The VCPU's reset state: kernel mode, paging and interrupts off, pc. */
void hw_vm_reset(hw_vm *h, uint32_t entry);
/* Run until the guest halts or dies, or has used `ticks` more guest ticks
 * (instructions plus idle ticks, as native mode counts them). */
void hw_vm_run(hw_vm *h, uint64_t ticks);
void hw_report_fill(const hw_vm *h, vm_report *r);

#endif
