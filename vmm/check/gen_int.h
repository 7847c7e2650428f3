/* gen_int.h: the generator's internals, shared by gen.c (the skeleton: the
 * layout, the handler, start and end) and gen_frag.c (the fragments). */
#ifndef GEN_INT_H
#define GEN_INT_H

#include <stdarg.h>

#include "gen.h"
#include "isa.h"

/* ---- the layout (gen.h draws it) ---- */
enum {
  G_SAVE = 0x1000,     /* save area and variables, r0-relative */
  G_STACK_TOP = 0x3000,
  G_KTEXT = 0x3000,
  G_KTEXT_END = 0x10000,
  G_KDATA = 0x10000,
  G_UTEXT = 0x14000,
  G_UTEXT_END = 0x18000,
  G_UDATA = 0x18000,
  G_USTACK_TOP = 0x1c000,
  G_DATA_SIZE = 0x4000,
  G_KSMC = 0x1c000,
  G_USMC = 0x1d000,
  G_PLAY = 0x20000, /* 16 frames */
  G_NPLAY = 16,
  G_DIR_A = 0x30000,
  G_DIR_B = 0x31000,
  G_IDENT = 0x32000,
  G_PTAB_A = 0x33000,
  G_PTAB_B = 0x34000,
  G_PLAY_VA = 0x00400000, /* directory entry 1 */
};

/* Variables in the save area (offsets from r0). */
enum {
  V_SV1 = G_SAVE + 0x00, /* r1..r3 while the handler runs */
  V_SV2 = G_SAVE + 0x04,
  V_SV3 = G_SAVE + 0x08,
  V_NTRAPS = G_SAVE + 0x10,
  V_SUM = G_SAVE + 0x14,    /* checksum of cause, epc, badva */
  V_RECOVER = G_SAVE + 0x18, /* where a kernel fetch fault resumes */
  V_KRESUME = G_SAVE + 0x1c, /* where the kernel resumes after a user session */
};

#define G_EXIT_MAGIC 0x7e57 /* r12 at a user's exit syscall */

/* Register roles: r1..r10 random values; r11, r12 the generator's
 * temporaries; r13 the data base of the current mode; sp; lr. */
enum { G_NRAND = 10, G_T1 = 11, G_T2 = 12, G_BASE = 13 };

/* Sections of the output, assembled in this order. */
enum { S_KTEXT, S_KSUB, S_UTEXT, NSECT };

typedef struct gen_buf {
  char *p;
  size_t len, cap;
  uint32_t words; /* an upper bound of the instruction words emitted */
} gen_buf;

typedef struct gen {
  const gen_opts *o;
  uint64_t rng;
  size_t used; /* bytes of o->choices taken */
  gen_buf s[NSECT];
  bool oom;
  image *mem; /* NULL: initial memory is text; else its segments (gen_image) */
  int sect;   /* where emit() writes */
  int label;  /* the next unique label number */
  bool user;  /* generating user-mode code */
  int depth;  /* nesting of loops and calls */
  /* ---- what the kernel knows about its machine ---- */
  bool timer_on;
} gen;

/* Random numbers: xorshift64*, seeded by splitmix64 (or a fuzzer's bytes first). */
uint32_t gen_rand(gen *g);
uint32_t gen_below(gen *g, uint32_t n); /* 0 .. n-1 */
bool gen_chance(gen *g, unsigned percent);

/* One line of assembly into the current section; `words` is how many
 * instruction words it may take (0 for a label or a comment). */
void gen_emit(gen *g, unsigned words, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int gen_new_label(gen *g);
/* Room left in the current section, in words. */
uint32_t gen_room(const gen *g);

/* gen_frag.c: one random fragment at the current point (kernel or user). */
void gen_fragment(gen *g);
/* A user session: kernel code that enters user mode at a new block of user
 * code, which returns with the exit system call. */
void gen_user_session(gen *g);
/* The attack kernel's body. */
void gen_attack_body(gen *g);
/* A safe random instruction word (ALU on r1..r10), for code written at run
 * time. */
uint32_t gen_safe_word(gen *g);

#endif
