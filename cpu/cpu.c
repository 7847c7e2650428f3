/* cpu.c: the machine's life cycle, the run loop, and the trap path.
 *
 * cpu_run() is the outer loop around the interpreter: it delivers pending
 * interrupts, charges the timer, idles in wfi, and cuts the run into chunks
 * that end exactly where the timer fires, so that interrupts land at the same
 * instruction whatever the caller's budget was (the simulation is
 * deterministic: time is counted in ticks, one per retired instruction or
 * idle tick, never in host time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "mmu.h"
#include "vmx.h"

/* Chunks are capped so that a stop request (Ctrl-C in the debugger) is seen
 * within about a millisecond of host time. */
#define CHUNK_MAX (1u << 20)

_Noreturn void cpu_panic(const char *msg) {
  fprintf(stderr, "panic: %s\n", msg);
  abort();
}

/* The host memory of a few freed machines, kept for the next machines of
 * the same sizes: a checker or a fuzzer makes and frees machines by the
 * thousand, and under the sanitizers mapping a megabyte, faulting it in
 * and unmapping it again each time was a third of a fuzzer's time.  What
 * is kept is zeroed when it is taken, so a machine made from it is the
 * machine calloc would have made. */
typedef struct spare_machine {
  uint8_t *mem;
  uint32_t mem_size, tlb_size, npages;
  dinsn **code;
  dinsn *dcode;
  tlb_entry *tlb;
} spare_machine;
#define NSPARE 4
static spare_machine spares[NSPARE];

/* (memcmp, which the library does with vector instructions even in the
 * sanitizer build, where a loop of ours is built at -O1 without them and
 * every load is checked: a word-at-a-time loop made a fuzzer's machines
 * three times as costly.) */
bool cpu_page_zero(const uint8_t *page) {
  static const uint8_t zero[PAGE_SIZE];
  return memcmp(page, zero, PAGE_SIZE) == 0;
}

static bool take_spare(cpu *c, uint32_t mem_size, uint32_t tlb_size) {
  for (int i = 0; i < NSPARE; i++) {
    spare_machine *s = &spares[i];
    if (!s->mem || s->mem_size != mem_size || s->tlb_size != tlb_size) continue;
    c->mem = s->mem, c->npages = s->npages, c->code = s->code, c->dcode = s->dcode, c->tlb = s->tlb;
    /* Page by page, writing only those that are not zero: most of a
     * machine's pages were never written, and reading is cheaper. */
    for (uint32_t p = 0; p < mem_size; p += PAGE_SIZE)
      if (!cpu_page_zero(c->mem + p)) memset(c->mem + p, 0, PAGE_SIZE);
    memset(c->tlb, 0, sizeof *c->tlb * tlb_size);
    *s = (spare_machine){0};
    return true; /* (code and dcode were cleared when kept: put_spare) */
  }
  return false;
}

static bool put_spare(cpu *c) {
  if (!c->mem || !c->code || !c->tlb || !c->dcode || !mmu_code_clear(c)) return false;
  static int next; /* when all are kept: the oldest goes */
  spare_machine *s = NULL;
  for (int i = 0; i < NSPARE && !s; i++)
    if (!spares[i].mem) s = &spares[i];
  if (!s) {
    s = &spares[next];
    next = (next + 1) % NSPARE;
  }
  if (s->mem) {
    free(s->mem), free(s->code), free(s->tlb);
    cpu c0 = {.dcode = s->dcode, .npages = s->npages};
    mmu_code_fini(&c0);
  }
  *s = (spare_machine){c->mem, c->mem_size, c->tlb_size, c->npages, c->code, c->dcode, c->tlb};
  return true;
}

cpu *cpu_new(uint32_t mem_size, uint32_t tlb_size) {
  if (tlb_size == 0 || (tlb_size & (tlb_size - 1)) || tlb_size > CPU_TLB_MAX) return NULL;
  if (mem_size == 0 || mem_size > 0xfffff000u) return NULL;
  mem_size = (mem_size + PAGE_MASK) & ~PAGE_MASK;
  cpu *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (!take_spare(c, mem_size, tlb_size)) {
    c->mem = calloc(1, mem_size);
    c->npages = mem_size >> PAGE_SHIFT;
    c->code = calloc(c->npages, sizeof *c->code);
    c->tlb = calloc(tlb_size, sizeof *c->tlb);
    if (!c->mem || !c->code || !c->tlb || !mmu_code_init(c)) {
      cpu_free(c);
      return NULL;
    }
  }
  c->mem_size = mem_size;
  c->tlb_size = tlb_size;
  c->tag_lo = 1;
  c->mon_guard = 1ull << 32;
  cost_profile(&c->cost, "modern");
  cpu_reset(c, 0);
  return c;
}

void cpu_free(cpu *c) {
  if (!c) return;
  if (c->marks)
    for (uint32_t i = 0; i < c->npages; i++) free(c->marks[i]);
  free(c->watch);
  free(c->watchers);
  free(c->marks);
  if (!put_spare(c)) {
    mmu_code_fini(c);
    free(c->code);
    free(c->mem);
    free(c->tlb);
  }
  free(c);
}

void cpu_reset(cpu *c, uint32_t entry) {
  for (int i = 0; i < NREGS; i++) c->r[i] = 0;
  for (int i = 0; i < NCR; i++) c->cr[i] = 0;
  c->pc = entry;
  c->flags = FLAG_KM;
  c->perm_shift = PSHIFT_KERNEL;
  c->irq = 0;
  c->timer_left = 0;
  c->waiting = false;
  c->con.rx_irq_enabled = false;
  cpu_tlb_flush(c, false);
}

uint64_t cpu_cycles(const cpu *c) { return c->st.cycles + c->st.insns * c->cost.c[COST_INSN]; }

int cpu_take_trap(cpu *c, uint32_t cause, uint32_t value, uint32_t epc) {
  return cpu_take_trap_insn(c, NULL, cause, value, epc);
}

int cpu_take_trap_insn(cpu *c, const dinsn *d, uint32_t cause, uint32_t value, uint32_t epc) {
  if (unlikely(c->vmcs != NULL)) { /* guest mode: an exit control may take it */
    int ex = vmx_trap(c, cause, value, epc);
    if (ex >= 0) return ex;
  }
  c->trap = (trap_info){cause, value, c->pc, {0}};
  if (d) { /* the record keeps the instruction, without the translator's mark */
    c->trap.insn = *d;
    c->trap.insn.op &= (uint8_t)~OP_MARKED;
  }
  c->st.traps[cause]++;
  c->st.cycles += c->cost.c[COST_TRAP];
  c->waiting = false;
  if (c->trap_to_host) {
    c->pc = epc;
    return EXIT_TRAP;
  }
  if (c->cr[CR_TVEC] == 0) return EXIT_NOVECTOR;
  /* The handler's first instruction faulting would loop forever without
   * retiring anything: the machine's equivalent of a double fault. */
  if ((c->flags & FLAG_KM) && c->pc == c->cr[CR_TVEC] && cause < CAUSE_TIMER) return EXIT_DOUBLE;
  c->cr[CR_EPC] = epc;
  c->cr[CR_ESTATUS] = c->flags;
  c->cr[CR_CAUSE] = cause;
  c->cr[CR_BADVA] = value;
  c->flags = (c->flags & FLAGS_CC) | FLAG_KM; /* kernel mode, interrupts off */
  c->perm_shift = PSHIFT_KERNEL;
  c->fetch_va = FETCH_NONE;
  c->pc = c->cr[CR_TVEC];
  return -1;
}

bool cpu_write_cr(cpu *c, uint32_t n, uint32_t v, bool in_chunk) {
  switch (n) {
  case CR_PTB:
    c->cr[n] = v;
    cpu_tlb_flush(c, true); /* like x86's mov to cr3 */
    return false;
  case CR_PAGING:
    c->cr[n] = v & 1;
    cpu_tlb_flush(c, true);
    return true;
  case CR_TIMER:
    /* The write ends the chunk (true), and the count starts after it: the
     * outer loop charges this chunk's ticks to the old count, not to the
     * new one.  (It used to pre-pay them, v plus the chunk's ticks so
     * far, which overflowed for a count near 2^32.) */
    c->cr[n] = v;
    c->timer_left = v;
    c->timer_restarted = in_chunk;
    return true;
  case CR_ESTATUS: c->cr[n] = v & FLAGS_ALL; return false;
  default: c->cr[n] = v; return false;
  }
}

/* Deliver the lowest-numbered pending interrupt if F.IE allows it. */
static int deliver_irq(cpu *c) {
  if (!c->irq || !(c->flags & FLAG_IE)) return -1;
  uint32_t cause = (uint32_t)__builtin_ctz(c->irq);
  c->irq &= ~(1u << cause);
  return cpu_take_trap(c, cause, 0, c->pc);
}

enum cpu_exit cpu_run(cpu *c, uint64_t ticks) {
  while (ticks > 0) {
    if (c->stop_request) {
      c->stop_request = 0;
      return EXIT_STOP;
    }
    int ex = deliver_irq(c);
    if (ex >= 0) return (enum cpu_exit)ex;
    if (c->waiting) {
      int64_t k = dev_idle(&c->con, &c->irq, c->cr[CR_TIMER], &c->timer_left, ticks, &c->st.idle_ticks);
      if (k < 0) return EXIT_IDLE;
      if (c->irq) c->waiting = false;
      ticks -= (uint64_t)k;
      continue;
    }
    uint32_t chunk = ticks < CHUNK_MAX ? (uint32_t)ticks : CHUNK_MAX;
    /* A host that set CR[timer] directly has not started the count. */
    if (c->cr[CR_TIMER] && c->timer_left == 0) c->timer_left = c->cr[CR_TIMER];
    if (c->cr[CR_TIMER] && c->timer_left < chunk) chunk = c->timer_left;
    uint32_t used = 0;
    ex = exec_chunk(c, chunk, &used);
    KIT_ASSERT(used <= chunk, "cpu_run: a chunk ran past its budget");
    ticks -= used;
    if (c->timer_restarted) {
      c->timer_restarted = false; /* (the chunk ended at the write: nothing to charge) */
    } else if (c->cr[CR_TIMER]) {
      KIT_ASSERT(used <= c->timer_left, "cpu_run: a chunk ran past the timer");
      c->timer_left -= used;
      if (c->timer_left == 0) {
        c->irq |= 1u << CAUSE_TIMER;
        c->timer_left = c->cr[CR_TIMER];
      }
    }
    if (ex >= 0) return (enum cpu_exit)ex;
  }
  return EXIT_BUDGET;
}

const char *cpu_cause_name(uint32_t cause) {
  static const char *const names[NCAUSES] = {
#define CAUSE_NAME(name, s, n, pc, m) [n] = s,
      CAUSE_TABLE(CAUSE_NAME)
#undef CAUSE_NAME
  };
  return cause < NCAUSES ? names[cause] : "?";
}

const char *cpu_exit_name(enum cpu_exit e) {
  static const char *const names[] = {
      [EXIT_BUDGET] = "step budget exhausted", [EXIT_HALT] = "halted",
      [EXIT_TRAP] = "trap to host",           [EXIT_NOVECTOR] = "trap with no vector",
      [EXIT_DOUBLE] = "double fault",         [EXIT_IDLE] = "idle forever",
      [EXIT_STOP] = "stopped",                [EXIT_VMEXIT] = "VM exit",
  };
  return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}
