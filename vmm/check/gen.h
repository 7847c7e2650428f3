/* gen.h: random but valid guest kernels, for lockstep checking.
 *
 * gen_program(seed) writes the assembly source of a small kernel that
 * installs a trap handler and then runs a random sequence of fragments: ALU
 * and memory instructions, branches, loops and calls, faulting accesses and
 * jumps, system calls, privileged and special instructions, timer
 * interrupts and wfi, paging on and off, address-space switches, page-table
 * edits (each followed by tlbi, tlbflush or a CR[ptb] write before the page
 * is used again), self-modifying code, and sessions in user mode.  The
 * handler records every trap (a letter on the console, a count and a
 * checksum), skips the faulting instruction or recovers from a bad jump,
 * and returns.  The kernel ends by printing its registers and halting.
 *
 * The same seed always gives the same text, on any host.  Every program
 * halts (within about GEN_MAX_TICKS), and its behaviour is defined by the
 * ISA, so native and every monitor mode must agree on it tick by tick:
 * only the special instructions, on the real ISA under trap-and-emulate,
 * may tell them apart (by design).
 *
 * The "attack" kind is a hostile kernel instead (docs/reliability.md):
 * it writes everywhere it can name, maps host-physical page numbers, points
 * its page tables beyond its memory, jumps into the translator's window and
 * spins with interrupts off.  Nothing outside its memory may change.
 *
 * Guest-physical layout (the programs need GEN_MEM bytes; more is fine):
 *
 *   0x00000  page 0, never mapped while paging is on (null pointers fault)
 *   0x01000  save area and kernel variables, r0-relative (below 0x8000)
 *   0x02000  kernel stack (sp starts at 0x3000)
 *   0x03000  kernel text: _start, the handler, the body, subroutines
 *   0x10000  kernel data (r13 in kernel mode), 16 KiB
 *   0x14000  user text, 16 KiB
 *   0x18000  user data (r13 in user mode) and user stack, 16 KiB
 *   0x1c000  kernel SMC page (code written at run time), user SMC page
 *   0x20000  playground frames: 16 pages that edited PTEs point at
 *   0x30000  page directories A and B, the identity table, playground
 *            tables A and B
 *   0x40000  end (GEN_MEM)
 *
 * Virtual: 0 .. 0x40000 identity-mapped (kernel-only except the user
 * regions); the playground at 0x00400000 .. 0x0040ffff, 16 slots whose PTEs
 * the program edits.  Nothing at or above 0xFFC00000 is ever mapped (the
 * binary translator's window).
 */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define GEN_MEM (256u << 10)
#define GEN_MAX_TICKS 200000u  /* a generous bound on any program's run */
#define GEN_DEFAULT_LENGTH 80  /* top-level fragments */

enum gen_kind {
  GEN_NORMAL, /* random kernels: equivalence */
  GEN_ATTACK, /* hostile kernels: isolation */
};

typedef struct gen_opts {
  uint64_t seed;
  enum gen_kind kind;
  int length; /* top-level fragments; 0: GEN_DEFAULT_LENGTH */
  /* A fuzzer's input (tests/fuzz/fuzz_modes.c), or NULL: the program's
   * random numbers come from these bytes, four a number, then from the
   * seed once they run out.  The generator still decides what each number
   * means, so any bytes give a valid program, and a small change to them
   * a small change to it. */
  const uint8_t *choices;
  size_t nchoices;
  /* The kernel halts at its end without printing its digest (registers,
   * trap count, checksum): for a checker that compares all of them at
   * every tick anyway (fuzz_modes), the printing is a third of a short
   * kernel's ticks, the same in every kernel. */
  bool no_digest;
} gen_opts;

/* The program's source, NUL-terminated and malloc'd; NULL when out of
 * memory.  *len (if not NULL) gets its length. */
char *gen_program(const gen_opts *o, size_t *len);

/* Generate and assemble: 0, or -1 with a message (a generator bug). */
int gen_image(const gen_opts *o, image *img, char *err, size_t errlen);

/* The ISA a soak runs a random kernel of `seed` on in `mode`: strict under
 * trap always (the real ISA breaks trap-and-emulate by design); under bt
 * strict for even seeds, so that both of its ways with pushf and popf (in
 * line on the real ISA, emulated by the monitor on the strict one) are
 * checked; the real ISA elsewhere. */
bool gen_strict_isa(const char *mode, uint64_t seed);

/* bt's adaptive translation for a random kernel of `seed` (and the same
 * for a fuzzer's input, by any number it picks): off when seed / 2 is odd,
 * else on at a threshold of 1 (every guest instruction that enters the
 * monitor once becomes a callout: the mechanism at its busiest), so that
 * with gen_strict_isa every pairing of ISA and adaptation is checked.
 * Sets *no_adapt and *threshold (a vmm_opts' bt_no_adapt and
 * bt_adapt_threshold) and returns the bin/vmm option that replays it, or
 * "" in other modes (nothing set). */
const char *gen_bt_adapt(const char *mode, uint64_t seed, bool *no_adapt, uint32_t *threshold);

/* "normal" / "attack", and back (-1 if unknown). */
const char *gen_kind_name(enum gen_kind k);
int gen_kind_parse(const char *s);

#endif
