/* gen.c: the random kernel's skeleton (gen.h has the idea and the layout):
 * the random numbers, the output sections, the start, the trap handler, the
 * end, and the initial memory: data, SMC pages and page tables.  The
 * fragments that fill the body are in gen_frag.c.
 *
 * The trap handler is the same in every program.  It keeps r1..r3 in the
 * save area (r0-relative stores need no free register), prints one letter
 * per trap ('a' + cause), folds cause, epc and badva into a checksum, and
 * resumes:
 *
 *   syscall from user mode with r12 = G_EXIT_MAGIC  -> the kernel, at
 *                                                       V_KRESUME
 *   a fetch fault (pf-fetch, or misalign with epc = badva):
 *        from user mode  -> the kernel, at V_KRESUME (the session ends)
 *        from kernel     -> V_RECOVER (set before every bad jump)
 *   syscall, brk, interrupts  -> epc, already the next instruction
 *   any other fault           -> epc + 4: skip the instruction
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cpu.h"
#include "gen_int.h"

/* ---- random numbers ---- */

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t gen_rand(gen *g) {
  if (g->o->choices && g->used + 4 <= g->o->nchoices) {
    const uint8_t *p = g->o->choices + g->used;
    g->used += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  }
  g->rng ^= g->rng >> 12;
  g->rng ^= g->rng << 25;
  g->rng ^= g->rng >> 27;
  return (uint32_t)((g->rng * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t gen_below(gen *g, uint32_t n) { return n ? gen_rand(g) % n : 0; }
bool gen_chance(gen *g, unsigned percent) { return gen_below(g, 100) < percent; }

/* ---- output ---- */

static void buf_put(gen *g, gen_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      g->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, s, n); /* (s may be an empty section's NULL) */
  b->len += n;
  b->p[b->len] = 0;
}

void gen_emit(gen *g, unsigned words, const char *fmt, ...) {
  char line[256];
  int n;
  if (!strchr(fmt, '%')) { /* most lines: no formatting to do */
    n = (int)strlen(fmt);
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    memcpy(line, fmt, (size_t)n);
  } else {
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
  }
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  gen_buf *b = &g->s[g->sect];
  buf_put(g, b, line, (size_t)n);
  b->words += words;
}

int gen_new_label(gen *g) { return g->label++; }

uint32_t gen_room(const gen *g) {
  uint32_t used, cap;
  if (g->sect == S_UTEXT) {
    used = g->s[S_UTEXT].words;
    cap = (G_UTEXT_END - G_UTEXT) / 4;
  } else { /* the kernel's body and its subroutines share its text */
    used = g->s[S_KTEXT].words + g->s[S_KSUB].words;
    cap = (G_KTEXT_END - G_KTEXT) / 4;
  }
  return used < cap ? cap - used : 0;
}

/* ---- the fixed parts ---- */

static void emit_start(gen *g) {
  gen_emit(g, 0, "        .org 0x%x", G_KTEXT);
  gen_emit(g, 0, "        .global _start");
  gen_emit(g, 0, "_start:");
  gen_emit(g, 2, "        la r12, trap_handler");
  gen_emit(g, 1, "        mtc tvec, r12");
  gen_emit(g, 2, "        li sp, 0x%x", G_STACK_TOP);
  gen_emit(g, 2, "        la r12, fatal");
  gen_emit(g, 1, "        sw r12, 0x%x(r0)", V_RECOVER);
  gen_emit(g, 2, "        li r13, 0x%x", G_KDATA);
  for (int r = 1; r <= G_NRAND; r++) gen_emit(g, 2, "        li r%d, 0x%x", r, gen_rand(g));
}

static void emit_handler(gen *g) {
  static const char *const text[] = {
      "; ---- the trap handler (the same in every generated program) ----",
      "trap_handler:",
      "        sw r1, 0x%x(r0)", "        sw r2, 0x%x(r0)", "        sw r3, 0x%x(r0)",
      "        lw r1, 0x%x(r0)", /* count */
      "        addi r1, r1, 1",
      "        sw r1, 0x%x(r0)",
      "        lw r3, 0x%x(r0)", /* checksum = (sum << 1 | sum >> 31) ^ cause ^ epc ^ badva */
      "        shli r1, r3, 1",
      "        shri r3, r3, 31",
      "        or r3, r3, r1",
      "        mfc r1, cause",
      "        xor r3, r3, r1",
      "        mfc r2, epc",
      "        xor r3, r3, r2",
      "        mfc r2, badva",
      "        xor r3, r3, r2",
      "        sw r3, 0x%x(r0)",
      "        addi r3, r1, 97",     /* 'a' + cause */
      "        out 0x00, r3",
      "        cmpi r1, 6",
      "        beq .sys",
      "        cmpi r1, 7",
      "        beq .done",
      "        cmpi r1, 9",
      "        bge .done",           /* interrupts */
      "        cmpi r1, 2",
      "        beq .fetch",
      "        cmpi r1, 5",
      "        bne .skip",
      "        mfc r2, epc",
      "        mfc r3, badva",
      "        cmp r2, r3",
      "        beq .fetch",          /* a misaligned jump target */
      ".skip:  mfc r2, epc",
      "        addi r2, r2, 4",
      "        mtc epc, r2",
      "        jmp .done",
      ".sys:   mfc r2, estatus",
      "        andi r2, r2, 0x20",
      "        cmpi r2, 0",
      "        bne .done",           /* a kernel system call */
      "        li r2, 0x%x",
      "        cmp r12, r2",
      "        bne .done",
      ".tokernel:",
      "        lw r2, 0x%x(r0)",
      "        mtc epc, r2",
      "        li r2, 0x20",         /* kernel mode, interrupts off */
      "        mtc estatus, r2",
      "        jmp .done",
      ".fetch: mfc r2, estatus",
      "        andi r2, r2, 0x20",
      "        cmpi r2, 0",
      "        beq .tokernel",
      "        lw r2, 0x%x(r0)",
      "        mtc epc, r2",
      ".done:  lw r1, 0x%x(r0)", "        lw r2, 0x%x(r0)", "        lw r3, 0x%x(r0)",
      "        iret",
  };
  const unsigned args[] = {V_SV1, V_SV2, V_SV3, V_NTRAPS, V_NTRAPS, V_SUM, V_SUM, G_EXIT_MAGIC, V_KRESUME,
                           V_RECOVER, V_SV1, V_SV2, V_SV3};
  size_t k = 0;
  for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) { /* (2 words a line: an upper bound) */
    if (strstr(text[i], "%x")) gen_emit(g, 2, text[i], args[k++]);
    else gen_emit(g, 2, "%s", text[i]);
  }
}

/* The end: timer off, a checksum of the registers and the trap record on
 * the console, halt 0.  fatal: a kernel fetch fault nobody expected. */
static void emit_finish(gen *g) {
  gen_emit(g, 0, "; ---- the end ----");
  gen_emit(g, 0, "finish:");
  gen_emit(g, 1, "        cli");
  gen_emit(g, 1, "        mtc timer, zero");
  if (g->o->no_digest) {
    gen_emit(g, 1, "        halt zero");
    gen_emit(g, 1, "fatal:  li r1, 3");
    gen_emit(g, 1, "        halt r1");
    return;
  }
  gen_emit(g, 1, "        add r11, r1, r2");
  for (int r = 3; r <= G_NRAND; r++) {
    gen_emit(g, 1, "        shli r12, r11, 3");
    gen_emit(g, 1, "        xor r11, r12, r%d", r);
  }
  gen_emit(g, 2, "        li r3, 10");
  gen_emit(g, 1, "        out 0x00, r3");
  gen_emit(g, 1, "        mov r1, r11");
  gen_emit(g, 1, "        call puthex");
  gen_emit(g, 1, "        lw r1, 0x%x(r0)", V_NTRAPS);
  gen_emit(g, 1, "        call puthex");
  gen_emit(g, 1, "        lw r1, 0x%x(r0)", V_SUM);
  gen_emit(g, 1, "        call puthex");
  gen_emit(g, 2, "        li r3, 10");
  gen_emit(g, 1, "        out 0x00, r3");
  gen_emit(g, 1, "        halt zero");
  gen_emit(g, 1, "fatal:  li r1, 3");
  gen_emit(g, 1, "        halt r1");
  gen_emit(g, 0, "; puthex: r1 in hex and a space (uses r2, r3)");
  gen_emit(g, 1, "puthex: li r2, 28");
  gen_emit(g, 1, "1:      shr r3, r1, r2");
  gen_emit(g, 1, "        andi r3, r3, 15");
  gen_emit(g, 1, "        cmpi r3, 10");
  gen_emit(g, 1, "        blt 2f");
  gen_emit(g, 1, "        addi r3, r3, 87");
  gen_emit(g, 1, "        jmp 3f");
  gen_emit(g, 1, "2:      addi r3, r3, 48");
  gen_emit(g, 1, "3:      out 0x00, r3");
  gen_emit(g, 1, "        addi r2, r2, -4");
  gen_emit(g, 1, "        cmpi r2, 0");
  gen_emit(g, 1, "        bge 1b");
  gen_emit(g, 2, "        li r3, 32");
  gen_emit(g, 1, "        out 0x00, r3");
  gen_emit(g, 1, "        ret");
}

/* n words of initial memory at addr: `.org` and `.word` lines of the text,
 * or, when the caller wants the image (gen_image), a segment of g->mem,
 * which spares the assembler most of the text it would read. */
static void emit_block(gen *g, uint32_t addr, const uint32_t *w, int n) {
  if (g->mem) {
    uint8_t *bytes = malloc(4 * (size_t)n);
    if (!bytes) {
      g->oom = true;
      return;
    }
    for (int i = 0; i < n; i++)
      for (int b = 0; b < 4; b++) bytes[4 * i + b] = (uint8_t)(w[i] >> 8 * b);
    if (image_put_seg(g->mem, addr, bytes, 4 * (uint32_t)n) != 0) g->oom = true;
    return;
  }
  gen_emit(g, 0, "        .org 0x%x", addr);
  for (int i = 0; i < n; i += 8) {
    char line[160];
    int k = 0;
    for (int j = 0; j < 8 && i + j < n; j++)
      k += snprintf(line + k, sizeof line - (size_t)k, "%s0x%08x", j ? ", " : "", w[i + j]);
    gen_emit(g, 0, "        .word %s", line);
  }
}

/* n words at addr: random, or all `fixed`. */
static void emit_words(gen *g, uint32_t addr, int n, uint32_t fixed, bool random) {
  uint32_t w[1024];
  for (int i = 0; i < n; i++) w[i] = random ? gen_rand(g) : fixed;
  emit_block(g, addr, w, n);
}

/* A PTE with random A and D bits, and the rest as asked. */
static uint32_t pte(gen *g, uint32_t frame, uint32_t bits) {
  if (gen_chance(g, 50)) bits |= PTE_A;
  if (gen_chance(g, 50)) bits |= PTE_D;
  return frame | bits | PTE_V;
}

/* Identity-map page p of the layout with its region's permissions. */
static uint32_t ident_pte(gen *g, uint32_t p) {
  uint32_t pa = p << PAGE_SHIFT;
  if (pa == 0) return 0; /* null pointers fault */
  bool user = (pa >= G_UTEXT && pa < G_UDATA + G_DATA_SIZE) || pa == G_USMC;
  return pte(g, pa, PTE_W | (user ? PTE_U : 0));
}

/* A random playground PTE: a playground frame, the kernel SMC page or a
 * user data page; random permissions; now and then not valid. */
uint32_t gen_play_pte(gen *g);
uint32_t gen_play_pte(gen *g) {
  uint32_t frame;
  switch (gen_below(g, 8)) {
  case 0: frame = G_KSMC; break;
  case 1: frame = G_UDATA + gen_below(g, 4) * PAGE_SIZE; break;
  default: frame = G_PLAY + gen_below(g, G_NPLAY) * PAGE_SIZE; break;
  }
  uint32_t bits = gen_chance(g, 70) ? PTE_W : 0; /* (two statements: a draw each, in order) */
  bits |= gen_chance(g, 50) ? PTE_U : 0;
  uint32_t e = pte(g, frame, bits);
  return gen_chance(g, 10) ? e & ~PTE_V : e;
}

static void emit_memory(gen *g) {
  uint32_t jr_lr = ISA_ENC_R(OP_JR, 0, REG_LR, 0);
  if (!g->mem) gen_emit(g, 0, "; ---- initial memory ----");
  emit_words(g, G_KDATA, 256, 0, true);
  emit_words(g, G_UDATA, 256, 0, true);
  /* Code pages written at run time start as `ret` everywhere. */
  emit_words(g, G_KSMC, 1024, jr_lr, false);
  emit_words(g, G_USMC, 1024, jr_lr, false);
  for (uint32_t f = 0; f < G_NPLAY; f++) emit_words(g, G_PLAY + f * PAGE_SIZE, 16, 0, true);
  if (!g->mem) gen_emit(g, 0, "; page directories: entry 0 the identity table, entry 1 a playground table");
  emit_block(g, G_DIR_A, (uint32_t[]){G_IDENT | PTE_V, G_PTAB_A | PTE_V}, 2);
  emit_block(g, G_DIR_B, (uint32_t[]){G_IDENT | PTE_V, G_PTAB_B | PTE_V}, 2);
  if (!g->mem) gen_emit(g, 0, "; the identity table: guest-physical 0 .. 0x%x", GEN_MEM);
  uint32_t ident[GEN_MEM >> PAGE_SHIFT];
  for (uint32_t p = 0; p < GEN_MEM >> PAGE_SHIFT; p++) ident[p] = ident_pte(g, p);
  emit_block(g, G_IDENT, ident, GEN_MEM >> PAGE_SHIFT);
  for (int t = 0; t < 2; t++) {
    if (!g->mem) gen_emit(g, 0, "; playground table %c: 0x%08x .. +64K", 'A' + t, G_PLAY_VA);
    uint32_t play[G_NPLAY];
    for (int i = 0; i < G_NPLAY; i++) play[i] = gen_play_pte(g);
    emit_block(g, t ? G_PTAB_B : G_PTAB_A, play, G_NPLAY);
  }
}

/* ---- the program ---- */

/* The program's text; with mem, its initial memory goes there instead. */
static char *program(const gen_opts *o, size_t *len, image *mem) {
  gen g = {.o = o, .mem = mem};
  uint64_t x = o->seed;
  g.rng = splitmix(&x) | 1;
  int length = o->length > 0 ? o->length : GEN_DEFAULT_LENGTH;

  g.sect = S_KTEXT;
  gen_emit(&g, 0, "; generated by vmm/check/gen.c: seed %llu, kind %s, length %d (bin/vgen %s%llu)",
           (unsigned long long)o->seed, gen_kind_name(o->kind), length, o->kind == GEN_ATTACK ? "--attack " : "",
           (unsigned long long)o->seed);
  emit_start(&g);
  if (o->kind == GEN_ATTACK) {
    gen_attack_body(&g);
  } else {
    for (int i = 0; i < length && gen_room(&g) > 400; i++) {
      gen_emit(&g, 0, "; -- fragment %d", i);
      if (gen_chance(&g, 12)) gen_user_session(&g);
      else gen_fragment(&g);
    }
  }
  gen_emit(&g, 1, "        jmp finish");
  emit_handler(&g);
  emit_finish(&g);

  /* One text: kernel, subroutines, user code at its region, memory. */
  gen_buf all = {0};
  buf_put(&g, &all, g.s[S_KTEXT].p ? g.s[S_KTEXT].p : "", g.s[S_KTEXT].len);
  buf_put(&g, &all, g.s[S_KSUB].p ? g.s[S_KSUB].p : "", g.s[S_KSUB].len);
  if (g.s[S_UTEXT].len) {
    char org[64];
    int n = snprintf(org, sizeof org, "        .org 0x%x\n", G_UTEXT);
    buf_put(&g, &all, org, (size_t)n);
    buf_put(&g, &all, g.s[S_UTEXT].p, g.s[S_UTEXT].len);
  }
  g.sect = S_KSUB;
  g.s[S_KSUB].len = 0;
  emit_memory(&g);
  buf_put(&g, &all, g.s[S_KSUB].p, g.s[S_KSUB].len);
  for (int i = 0; i < NSECT; i++) free(g.s[i].p);
  if (g.oom) {
    free(all.p);
    return NULL;
  }
  if (len) *len = all.len;
  return all.p;
}

char *gen_program(const gen_opts *o, size_t *len) { return program(o, len, NULL); }

/* The text without its initial memory, assembled, and the memory added
 * as segments: the same image as assembling gen_program's text (the
 * generator's tests check that), at a fraction of the cost, which is most
 * of a fuzzer's time per kernel. */
int gen_image(const gen_opts *o, image *img, char *err, size_t errlen) {
  size_t len;
  image mem = {0};
  char *src = program(o, &len, &mem);
  if (!src) {
    snprintf(err, errlen, "gen: out of host memory");
    image_free(&mem);
    return -1;
  }
  asm_diag diag = {0};
  char name[64];
  snprintf(name, sizeof name, "gen-%llu.s", (unsigned long long)o->seed);
  int rc = asm_assemble(NULL, name, src, len, img, &diag);
  if (rc != 0) snprintf(err, errlen, "gen: seed %llu does not assemble: %.180s", (unsigned long long)o->seed,
                        diag.text ? diag.text : "");
  for (int i = 0; rc == 0 && i < mem.nsegs; i++) { /* the image takes the bytes */
    image_seg *s = &mem.segs[i];
    int put = image_put_seg(img, s->addr, s->data, s->size);
    s->data = NULL, s->size = 0;
    if (put != 0) {
      snprintf(err, errlen, "gen: out of host memory");
      image_free(img);
      rc = -1;
    }
  }
  asm_diag_free(&diag);
  image_free(&mem);
  free(src);
  return rc;
}

bool gen_strict_isa(const char *mode, uint64_t seed) {
  return strcmp(mode, "trap") == 0 || (strcmp(mode, "bt") == 0 && seed % 2 == 0);
}

const char *gen_bt_adapt(const char *mode, uint64_t seed, bool *no_adapt, uint32_t *threshold) {
  if (strcmp(mode, "bt") != 0) return "";
  if ((seed / 2) % 2) {
    *no_adapt = true;
    return " --bt-adaptive off";
  }
  *no_adapt = false;
  *threshold = 1;
  return " --bt-adaptive 1";
}

const char *gen_kind_name(enum gen_kind k) { return k == GEN_ATTACK ? "attack" : "normal"; }

int gen_kind_parse(const char *s) {
  if (strcmp(s, "normal") == 0) return GEN_NORMAL;
  if (strcmp(s, "attack") == 0) return GEN_ATTACK;
  return -1;
}
