/* pv.h: the paravirtual interface between a guest kernel and the monitor
 * (--pv on; docs/pv.md is the reference, guestos/pv.inc the guest's copy
 * of these numbers).
 *
 * A hypercall is the instruction hcall, run in virtual kernel mode:
 *
 *   r1 = the call number (PV_CALL_TABLE), r2, r3 = its arguments
 *   hcall
 *   r1 = the result: 0 or more on success, a PV_E* error otherwise;
 *        every other register is kept
 *
 * It retires as one guest instruction; the guest continues after it (or,
 * if it enabled interrupts and one is pending, at its trap vector with the
 * saved pc after it, as after sti).  From virtual user mode, or with --pv
 * off, hcall is what it is on the bare CPU: an illegal instruction, and
 * the guest's kernel gets the trap.
 *
 * The shared area ("page"): PV_SHARED_SIZE bytes of guest memory,
 * PV_SHARED_ALIGN-aligned, that the kernel names with PV_SETUP.  Both sides read and write it; the monitor trusts nothing in
 * it (every index is cut to the ring, every flag is a flag).
 *
 *   offset
 *   0x000  vif      the virtual interrupt flag: nonzero = enabled.  The
 *                   kernel's cli/sti/pushf/popf become a store and a load
 *                   here: no exit.  The monitor reads it at every exit
 *                   from virtual kernel mode and writes it at every entry.
 *   0x004  pending  written by the monitor at every entry: nonzero if an
 *                   interrupt waits for vif.  A kernel that sets vif and
 *                   finds it set makes the PV_IRQ call.
 *   0x008  prod     console ring: bytes the kernel has appended (it only
 *                   ever counts up; the byte goes at ring[prod % size])
 *   0x00c  cons     bytes the monitor has written out (PV_CONSOLE)
 *   0x100  ring     PV_RING_SIZE bytes of console output
 */
#ifndef PV_H
#define PV_H

/* X(NAME, name, number, meaning) */
#define PV_CALL_TABLE(X)                                                                                    \
  X(SETUP,   "setup",   0, "r2 = guest-physical address of the shared area (PV_SHARED_ALIGN-aligned, "       \
                           "not 0, inside guest memory)")                                                      \
  X(MMU,     "mmu",     1, "r2 = guest-physical address of r3 (1..PV_MMU_MAX) updates of 3 words: PTE "       \
                           "address (guest-physical), new value, virtual address whose TLB entry to drop "   \
                           "(PV_NO_VA: none); all checked before any is applied; r1 = r3")                    \
  X(CONSOLE, "console", 2, "write the ring's bytes from cons to prod to the console, cons := prod; "          \
                           "r1 = the bytes written")                                                           \
  X(IRQ,     "irq",     3, "vif was set again and pending was seen: deliver the interrupt now; r1 = 0")      \
  X(IDLE,    "idle",    4, "vif := 1 and wait for an interrupt (sti; wfi as one call); r1 = 0")

enum pv_call {
#define PV_CALL_ENUM(NAME, s, n, m) PV_##NAME = n,
  PV_CALL_TABLE(PV_CALL_ENUM)
#undef PV_CALL_ENUM
  PV_NCALLS = 5
};

/* Errors in r1 (as unsigned words: 0xffffffff, 0xfffffffe). */
#define PV_ENOSYS (-1) /* no such call */
#define PV_EINVAL (-2) /* an argument is bad: outside guest memory, misaligned, a count out of range, no shared page */

#define PV_VIF 0x000
#define PV_PENDING 0x004
#define PV_PROD 0x008
#define PV_CONS 0x00c
#define PV_RING 0x100
#define PV_RING_SIZE 0x800 /* a power of two */
#define PV_SHARED_SIZE 0x900 /* the header and the ring */
#define PV_SHARED_ALIGN 0x100
#define PV_MMU_MAX 64
#define PV_NO_VA 0xffffffffu

#endif
