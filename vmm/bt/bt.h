/* bt.h: --mode bt, binary translation (docs/bt.md).
 *
 * While the guest is in virtual user mode it runs natively, exactly as in
 * trap-and-emulate.  While it is in virtual kernel mode the monitor runs a
 * TRANSLATION of its code instead: it reads a basic block ahead of the pc,
 * copies ordinary instructions unchanged, rewrites special ones (pushf,
 * popf) into sequences that act on the VCPU's virtual flags, and (unless
 * --bt-priv trap) privileged ones that only touch VCPU state into in-line
 * emulation.  Translations are kept in a translation cache (TC) and made
 * once.
 *
 *   bt_translate.c  scanning a block and translating it, one expansion each
 *   bt_cache.c      the TC: lookup, insert, chaining, invalidation,
 *                   eviction, write protection of translated guest pages,
 *                   the --dump-tc listing
 *   bt_run.c        running a VM: entering translations, handling exits,
 *                   faults inside translated code, self-modifying code
 *   bt_adapt.c      adaptive translation: counting the monitor entries of
 *                   each guest instruction, making the ones that keep
 *                   entering it callouts, translating their blocks again
 *   bt_mode.c       the row of the mode table (core/mode.h): how the core
 *                   builds, runs, reports and shows a bt VM
 *
 * The monitor window: the top 4 MiB of guest-virtual space (PDE 1023),
 * reserved by the monitor.  The shadow maps it, to monitor-owned pages.  The
 * CPU lets only code fetched from the window touch the window, and only
 * through r0-based (absolute) addresses; to a guest the region looks
 * unmapped: any access page-faults.
 *
 *   0xFFC00000 +------------------------------+ BT_WINDOW
 *              | not mapped                   |
 *   0xFFC28000 +------------------------------+ BT_TC_VA (window page 40)
 *              | translation cache            | tc_pages pages, R+X
 *              |   blocks, appended in order  | (mapped U=1, W=0)
 *              +------------------------------+ BT_TC_VA + tc_pages * 4K
 *              | not mapped                   |
 *   0xFFFF8000 +------------------------------+ BT_VCPU_VA (window page 1016)
 *              | VCPU page                    | R+W, reached from
 *              |   scratch, VSYS, VPEND, CRs  | translations as
 *              +------------------------------+ offset-32768(r0)
 *              | not mapped                   |
 *   2^32       +------------------------------+
 *
 * Host-physical memory of a bt VM: core/vm.h's map, whose "technique's
 * pages" are, from vm_own_pages(m):
 *
 *              +------------------------------+
 *              | window page table (PDE 1023) |
 *              | VCPU page                    |
 *              | TC pages                     |
 *              +------------------------------+
 */
#ifndef BT_H
#define BT_H

#include <stdio.h>

#include "core/mode.h"

#define BT_WINDOW 0xFFC00000u
/* The TC starts 40 pages into the window.  The direct-mapped TLB indexes
 * by virtual page number, so the TC's first pages then share TLB entries
 * with guest pages 40, 41 ... (mod the TLB size), not with the low pages
 * where a kernel keeps its hottest code and data: at window page 0 the
 * guest OS boot took 20% more TLB misses. */
#define BT_TC_FIRST 40u
#define BT_TC_VA (BT_WINDOW + BT_TC_FIRST * PAGE_SIZE)
/* The VCPU page: the lowest page an r0-based address reaches from the top
 * (a sign-extended imm16 of 0x8000 or more), so that it shares its TLB
 * entry with guest page 1016 mod the TLB size, not 1023: a kernel's stack
 * often sits at the top of some region, and the VCPU page is the TC's
 * busiest data page. */
#define BT_VCPU_VA 0xFFFF8000u
#define BT_VCPU_PAGE ((BT_VCPU_VA - BT_WINDOW) >> PAGE_SHIFT)
#define BT_MAX_TC_PAGES (BT_VCPU_PAGE - BT_TC_FIRST) /* up to the VCPU page */
#define BT_MIN_TC_PAGES 4u        /* room for a few blocks of BT_MAX_BLOCK_WORDS */
#define BT_DEFAULT_TC_PAGES 64u   /* 256 KiB */
#define BT_MAX_INSNS 32           /* guest instructions in one block */
#define BT_JR_PREDICTIONS 4       /* times one jr's prediction is remade */
#define BT_MAX_EXPANSION 16       /* TC words one guest instruction may take */
#define BT_MAX_BLOCK_WORDS (BT_MAX_INSNS * BT_MAX_EXPANSION + 2)

/* The VCPU page: byte offsets from BT_VCPU_VA.  The monitor copies the VCPU
 * into it when it enters translated code and back when it leaves. */
enum {
  VP_SCR1 = 0x00,  /* r1 saved while an expansion borrows it */
  VP_SCR2 = 0x04,  /* r2 likewise */
  VP_VSYS = 0x08,  /* the virtual FLAG_IE | FLAG_KM (KM is always set here) */
  VP_VPEND = 0x0c, /* FLAG_IE if a virtual interrupt is pending, else 0 */
  VP_CR = 0x10,    /* CR[0] .. CR[NCR-1], the virtual control registers */
};
/* The imm16 that reaches VCPU-page offset `off` from r0. */
#define VP(off) ((uint32_t)(BT_VCPU_VA + (off)) & 0xffffu)

/* Why a translation leaves for the monitor: the exit stubs and exits, and
 * what chaining made of a stub.  X(NAME, name in --dump-tc, meaning) */
#define BT_EXIT_TABLE(X)                                                              \
  X(DIRECT,  "direct",  "continue at a known guest pc in the same page: chained when first taken") \
  X(FAR,     "far",     "continue at a known guest pc in another page: chained, the link checked when the guest's mappings change") \
  X(LOOKUP,  "lookup",  "continue at a known guest pc; never chained (the mapping may just have changed)") \
  X(JR,      "jr",      "the guest's jr missed its predicted target: continue at R[reg], predict that") \
  X(CALLR,   "callr",   "the guest's callr: R[lr] := next pc, continue at R[reg]")     \
  X(SYSCALL, "syscall", "the guest's syscall: reflect it, epc = next pc")              \
  X(BREAK,   "brk",     "the guest's brk: reflect it, epc = next pc")                  \
  X(FAULT,   "fault",   "the guest instruction faults (illegal, window access): reflect cause reg, value arg") \
  X(PENDING, "pending", "divu check: the guest enabled IE with an interrupt pending") \
  X(CHAINED, "chained", "a direct stub patched into a jump: no exit any more") \
  X(FAR_CHAINED, "far, chained", "a far stub patched into a jump, recorded in links")

enum bt_exit {
#define BT_EXIT_ENUM(name, s, m) BX_##name,
  BT_EXIT_TABLE(BT_EXIT_ENUM)
#undef BT_EXIT_ENUM
  NBT_EXITS
};

/* What one TC word is.  Every guest instruction becomes an EXPANSION: one
 * or more TC words, exactly one of them unmarked (counted as the guest's
 * retired instruction) and that one last on every path, so that wherever
 * the CPU stops on its budget it is at a guest-instruction boundary or
 * inside an expansion whose guest instruction has not completed.
 *
 *   W_START  first word of an expansion: a boundary; gpc = its guest pc
 *   W_BODY   later word: the guest instruction at gpc has not completed,
 *            and a fault here restarts it (guest registers are intact at
 *            every word that can fault)
 *   W_PEND   a `divu r0, r0, rX` check, a BODY word that leaves for the
 *            monitor when rX = 0: why = PENDING (an interrupt became
 *            deliverable) or JR (the jr's prediction missed; reg = the
 *            jr's register, arg = the expansion's first word)
 *   W_EXIT   a brk that is the guest instruction itself (callr, syscall,
 *            brk, or one that faults): a boundary at gpc
 *   W_STUB   a marked brk exit stub (after a branch, a call, a jr's check,
 *            at a block's end), or the jmp chaining patched it into: a
 *            boundary; gpc = where the guest continues; arg = the TC word
 *            that chaining patches; reg = for a jr's stub, how many
 *            predictions the jr has had (bt_jr_predict)
 *   W_CALL   a CALLOUT (adaptive translation, bt_adapt.c): the first word
 *            of an expansion, a boundary at gpc; why = what it calls
 *            (BT_CALL_*).  The kit's CPU reaches the monitor's C handler
 *            only by a trap, which here stands for the call: the monitor
 *            does its work and the CPU goes on in the same translation.
 */
enum { W_NONE, W_START, W_BODY, W_PEND, W_EXIT, W_STUB, W_CALL };

/* What a callout calls (a W_CALL word's why).
 *   BT_CALL_EMULATE  the word is the guest's privileged instruction,
 *                    copied (unmarked): its trap calls the emulator the
 *                    exit would run (vm_emulate), then the code goes on
 *   BT_CALL_ACCESS   a marked brk before the guest's load or store: the
 *                    monitor does for the access what its fault would
 *                    make it do (fill the shadow entry it lacks), so that
 *                    the access itself then runs without a fault */
enum { BT_CALL_EMULATE, BT_CALL_ACCESS };

typedef struct bt_word {
  uint32_t gpc;
  uint32_t arg;
  uint8_t kind, why, reg;
} bt_word;

/* A block: guest code from gpc, read from guest-physical gpa, translated
 * to TC address tc.  The key is (gpc, gpa's page): the guest may map the
 * same virtual page to other memory later. */
typedef struct bt_block {
  uint32_t gpc, gpa, tc;
  uint16_t ninsns, nwords;
  int32_t next; /* hash chain */
  /* Translated again (adaptive translation): its first word is now a jump
   * to the new block, which bt_find finds first. */
  bool superseded;
} bt_block;

/* A chained jump into another guest page (BX_FAR, or a jr's prediction):
 * valid while the guest maps that page as when it was made. */
typedef struct bt_link {
  uint32_t site; /* the TC word patched */
  uint32_t word; /* what it held before: the unlinked jump to the stub */
  uint32_t stub; /* the exit stub it bypasses */
  uint32_t gpc;  /* the guest pc it leads to ... */
  uint32_t gpa;  /* ... read from this guest-physical page */
} bt_link;

typedef struct bt_config {
  bool priv_trap;    /* --bt-priv trap: privileged instructions trap */
  bool no_chain;     /* --bt-chain off */
  uint32_t tc_pages; /* 0: BT_DEFAULT_TC_PAGES */
  bool no_adapt;     /* --bt-adaptive off */
  uint32_t adapt_threshold; /* --bt-adaptive N; 0: BT_ADAPT_THRESHOLD */
} bt_config;

/* Adaptive translation's record (bt_adapt.c): the monitor entries of each
 * guest instruction (by guest pc) in translated code.  A fixed table, so
 * that its memory is bounded: once full, new instructions are not
 * counted.  It outlives flushes: an instruction that kept trapping before
 * a flush will keep trapping after it. */
#define BT_ADAPT_SLOTS 1024u     /* a power of two */
#define BT_ADAPT_THRESHOLD 8u    /* monitor entries that make a callout (bt_adapt.c) */
#define BT_ADAPT_MAX 255u        /* the largest --bt-adaptive N (a count is 8 bits) */
enum { HOT_COUNTING, HOT_CALLOUT, HOT_NEVER };
#define BT_ADAPT_REVIEW 64u      /* access callouts between reviews (bt_adapt_called) */
typedef struct bt_hot {
  uint32_t gpc;    /* the guest instruction's pc + 1 (0: a free slot) */
  uint8_t count;   /* its monitor entries, up to the threshold */
  uint8_t state;   /* HOT_* */
  uint8_t calls;   /* access callouts since the last review, */
  uint8_t useful;  /* and how many of them had a fault to spare */
} bt_hot; /* 8 bytes: the table is 8 KiB of every bt VM (and checkpoint) */

typedef struct bt {
  bt_config cfg;
  /* ---- monitor memory, host-physical ---- */
  uint32_t pt_pa, vcpu_pa, tc_pa;
  uint32_t tc_va;    /* where the TC starts in the window */
  uint32_t tc_words; /* capacity */
  uint32_t gpages;   /* guest-physical pages */

  /* ---- the cache; everything here dies at a flush ---- */
  uint32_t tc_used;  /* words handed out */
  bt_word *words;    /* one per TC word; zero from tc_high on */
  uint32_t tc_high;  /* 1 + the highest word bt_put ever wrote (a flush keeps it) */
  bt_block *blocks;
  uint32_t nblocks, cap;
  int32_t *hash;     /* BT_HASH heads, -1 = empty */
  uint32_t gen;      /* bumped by every flush */
  uint8_t **xlated;  /* per guest page: bitmap of translated words, or NULL */
  uint32_t *prot;    /* guest pages with translations, nprot of them */
  uint32_t nprot;
  uint8_t *wprot;    /* per guest page: 1 if in prot (vm.wprot points here) */
  shadow_wref *wref; /* per guest page: its writable shadow entries (vm.wref points here) */
  bt_link *links;    /* chained jumps across guest pages */
  uint32_t nlinks, links_cap;
  uint64_t syncs_seen; /* m->n.shadow_syncs when the links were last checked */

  /* ---- where the monitor left translated code, to resume there ---- */
  uint32_t resume_gpc, resume_tc, resume_gen;
  uint64_t resume_syncs;
  uint64_t run_emulated; /* guest instructions emulated inside this run */
  /* The generation (gen) of the translation the CPU runs, set where the
   * monitor sends it into one.  Invariant: the CPU never runs a word of a
   * translation older than gen past the end of the guest instruction it
   * is in; the monitor never resumes (remember) into one. */
  uint32_t run_gen;

  bt_hot hot[BT_ADAPT_SLOTS]; /* adaptive translation (bt_adapt.c) */
  uint32_t nhot;

  bt_counters n;
} bt;

/* A bt VM: the core's VM, then the translator (mode_bt.vm_size). */
typedef struct bt_vm {
  vm m;
  bt b;
} bt_vm;

/* The translator of a VM of mode_bt.  (A VM is never a const object: the
 * cast only drops a view's const.) */
static inline bt *bt_of(const vm *m) { return &((bt_vm *)(uintptr_t)m)->b; }

extern const vmm_mode mode_bt;

/* Hash heads of the block table.  The guest OS boot makes about 350
 * blocks; 1024 heads keep chains short, in 4 KiB per guest (this table is
 * touched at every flush, so it counts in each guest's resident memory). */
#define BT_HASH_BITS 10
#define BT_HASH (1u << BT_HASH_BITS)

static inline bool bt_in_tc(const bt *b, uint32_t va) { return va >= b->tc_va && va - b->tc_va < b->tc_words * 4; }
static inline bt_word *bt_word_at(bt *b, uint32_t va) { return &b->words[(va - b->tc_va) >> 2]; }
static inline uint32_t bt_tc_pa(const bt *b, uint32_t va) { return b->tc_pa + (va - b->tc_va); }
static inline bool bt_boundary(const bt_word *w) {
  return w->kind == W_START || w->kind == W_EXIT || w->kind == W_STUB || w->kind == W_CALL;
}

/* bt_cache.c */
/* The translator's own host pages, after the shadow pool (bt_mode.c). */
uint32_t bt_host_pages(const bt_config *cfg);
/* Set up the translator of m (a bt_vm): its pages start at host-physical
 * pa (bt_host_pages of them).  0, or -1 if the host is out of memory. */
int bt_attach(vm *m, const bt_config *cfg, uint32_t pa);
/* Free the translator's tables (not the VM). */
void bt_free(bt *b);
/* A deep copy into k, for checkpoints (the TC itself lives in machine
 * memory, so it comes back with the machine).  0, or -1 out of memory. */
int bt_clone(bt *k, const bt *b);
bt_block *bt_find(bt *b, uint32_t gpc, uint32_t gpa);
/* Room for one more block of at most BT_MAX_BLOCK_WORDS, evicting (a full
 * flush) if the TC is full: the TC address it will start at. */
uint32_t bt_reserve(vm *m);
bt_block *bt_insert(vm *m, uint32_t gpc, uint32_t gpa, uint32_t tc, uint32_t ninsns, uint32_t nwords);
/* Emit one TC word at va with its mark and its description. */
void bt_put(vm *m, uint32_t va, uint32_t word, bool marked, bt_word info);
/* Patch the exit at stub va into a jump to block k's translation. */
void bt_chain(vm *m, uint32_t stub, const bt_block *k);
/* Undo the chaining of stub va, if any (a jr's new prediction). */
void bt_unchain(vm *m, uint32_t stub);
/* The guest changed its mappings: unchain every link into a page it no
 * longer maps as it did. */
void bt_check_links(vm *m);
/* Forget every translation (invalidation or eviction); bt_flush_tables
 * does it on a translator not yet attached. */
void bt_flush(vm *m);
void bt_flush_tables(bt *b);
/* Write-protection of translated guest pages. */
void bt_protect(vm *m, uint32_t gpa, uint32_t ninsns);
bool bt_overlaps(const bt *b, uint32_t gpa, uint32_t len);
/* --dump-tc: each block beside its guest code, after a "# " and the
 * header line (its counts; the debugger's info tc prints it alone). */
void bt_dump(FILE *f, vm *m);
void bt_dump_head(FILE *f, const vm *m);
void bt_dump_block(FILE *f, vm *m, const bt_block *k);

/* bt_translate.c: translate the block at guest pc gpc (guest-physical
 * gpa, whose page the caller has checked is memory). */
bt_block *bt_translate(vm *m, uint32_t gpc, uint32_t gpa);
/* A jr's prediction missed: predict target from now on (the expansion
 * starts at TC address start) and return its stub, to chain; or 0 once
 * the jr has missed BT_JR_PREDICTIONS times: it then keeps its prediction. */
uint32_t bt_jr_predict(vm *m, uint32_t start, uint32_t target);

/* bt_adapt.c: adaptive translation. */
/* The guest instruction at gpc (word `word`) is to be translated as a
 * callout: BT_CALL_EMULATE or BT_CALL_ACCESS, or -1 (translate it as
 * usual). */
int bt_adapt_callout(const bt *b, uint32_t gpc, uint32_t word);
/* Control came to the monitor from the TC word at va (the guest
 * instruction's trap or hidden fault), and the monitor has handled it.
 * Count it; once the instruction has come THRESHOLD times, translate the
 * block that holds it again, with the instruction as a callout.  Never
 * flushes the TC (it waits for room), so the code the CPU runs stays. */
void bt_adapt_note(vm *m, uint32_t va);
/* A callout ran: take back the trap the kit's CPU charged for reaching
 * the handler (it stands for a call) and charge the call. */
void bt_adapt_charge(vm *m);
/* An access callout at TC address va ran; `useful`: the access would have
 * faulted.  A callout that seldom is comes out again (bt_adapt.c). */
void bt_adapt_called(vm *m, uint32_t va, bool useful);

/* bt_run.c: the row's run hook: virtual kernel mode translated, virtual
 * user mode directly (trap.c); the page-fault hook for user mode. */
void bt_run(vm *m, uint64_t budget);
bool bt_user_fault(vm *m, const trap_info *t);

#endif
