/* dis_list.c: a whole image as source for vasm (dis_image).
 *
 * dis_image prints source that vasm turns back into the same bytes; the
 * round trip is tested for every opcode and for random words.  The three
 * things that make that true:
 *   - a word prints as an instruction only if isa_decode accepts it (all
 *     must-be-zero bits zero), and every field prints in a form the
 *     assembler reads back exactly (disasm.c);
 *   - anything else (and any odd bytes at a segment's ends) is .word/.byte;
 *   - a branch target prints as a label only if that label is printed too.
 *
 * An image may hold a million words and a million symbols, and a listing
 * names the target of every branch: a million questions to the symbol
 * index at random places of it, each a few cache misses.  So the words go
 * in batches: a batch's targets are sorted (image_keysort) and asked in address
 * order, so the index is read front to back, as the caches like; then the
 * batch prints in its own order with the answers at hand.
 *
 *   words  0x1000 jmp 0x3000   0x1004 jmp 0x1800   0x1008 beq 0x2000
 *   asked  0x1800 (2nd)        0x2000 (3rd)        0x3000 (1st)
 *
 * The text goes into a buffer written in big blocks, not a printf a field.
 */
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"

/* ---- the output: a buffer, written when full ---- */

typedef struct out {
  FILE *f;
  size_t n;
  char b[32 << 10];
} out;

static void out_flush(out *o) {
  if (o->n) fwrite(o->b, 1, o->n, o->f);
  o->n = 0;
}

static void out_mem(out *o, const char *s, size_t k) {
  if (o->n + k > sizeof o->b) {
    out_flush(o);
    if (k > sizeof o->b) { /* a long name: straight through */
      fwrite(s, 1, k, o->f);
      return;
    }
  }
  memcpy(o->b + o->n, s, k);
  o->n += k;
}

static void out_str(out *o, const char *s) { out_mem(o, s, strlen(s)); }

/* 0x and v in hex, at least `digits` digits. */
static void out_hex(out *o, uint32_t v, int digits) {
  char t[10];
  int k = (int)sizeof t;
  do {
    t[--k] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v || (int)sizeof t - k < digits);
  t[--k] = 'x', t[--k] = '0';
  out_mem(o, t + k, sizeof t - (size_t)k);
}

/* v as eight hex digits, without 0x. */
static void out_hex8(out *o, uint32_t v) {
  char t[8];
  for (int i = 7; i >= 0; i--, v >>= 4) t[i] = "0123456789abcdef"[v & 15];
  out_mem(o, t, 8);
}

/* ---- the labels ---- */

/* Where a segment's printed units start: odd leading bytes, then words,
 * then odd trailing bytes.  Labels can go only where a unit starts. */
static bool unit_start(const image_seg *s, uint32_t addr) {
  uint32_t off = addr - s->addr;
  if (off >= s->size) return false;
  uint32_t head = (4 - s->addr % 4) % 4;
  if (head > s->size) head = s->size;
  uint32_t words_end = head + (s->size - head) / 4 * 4;
  return off < head || off >= words_end || (off - head) % 4 == 0;
}

/* The symbols that will be printed as labels: of each name, the first in
 * the file that can print as one (a usable name, at a unit start).  Found
 * by walking img's index in address order beside the segments (sorted
 * too); made in address order, so that its own index costs one pass; it
 * answers a branch target's label, and the listing walks it.  (An indexed
 * copy of img if it has no index.)  The labels share their names with img
 * (free them with labels_free).  The work is charged to img's index, for
 * the tests to count. */
static image labels_of(const image *img) {
  image copy = {0}, lab = {0};
  const image *src = img;
  if (!image_by_addr(img)) {
    for (int i = 0; i < img->nsyms; i++) image_add_sym(&copy, img->syms[i].name, img->syms[i].addr, img->syms[i].global);
    image_build_index(&copy);
    src = &copy;
  }
  const int *by_addr = image_by_addr(src);
  int n = src->nsyms;
  bool *mark = by_addr ? calloc((size_t)n + 1, 1) : NULL;
  for (int k = 0, i = 0; mark && k < n; k++) {
    const image_sym *s = &src->syms[by_addr[k]];
    while (i < img->nsegs && (uint64_t)img->segs[i].addr + img->segs[i].size <= s->addr) i++;
    mark[by_addr[k]] = i < img->nsegs && unit_start(&img->segs[i], s->addr) && asm_is_label_name(s->name);
  }
  image_index_charge(img, (uint64_t)n + (uint64_t)img->nsegs);
  if (mark && image_first_of_names(src, mark) != 0) {
    free(mark);
    mark = NULL;
  }
  lab.syms = mark ? malloc(((size_t)n + 1) * sizeof *lab.syms) : NULL;
  for (int k = 0; lab.syms && k < n; k++) {
    const image_sym *s = &src->syms[by_addr[k]];
    if (mark[by_addr[k]]) lab.syms[lab.nsyms++] = (image_sym){s->addr, img->syms[by_addr[k]].name, s->global};
  }
  lab.symcap = lab.nsyms;
  if (!lab.syms || image_build_index(&lab) != 0) { /* out of memory: no labels */
    free(lab.syms);
    lab = (image){0};
  }
  free(mark);
  image_free(&copy);
  return lab;
}

static void labels_free(image *lab) {
  image_unindex(lab);
  free(lab->syms);
}

/* The labels in address order, walked once by the listing: each unit start
 * prints the labels at its address.  Labels are only at unit starts, and
 * units come in increasing address, so the walk never skips one. */
typedef struct label_walk {
  const image *lab;
  const int *order; /* image_by_addr(lab) */
  int next;
} label_walk;

static void print_labels(out *o, label_walk *w, uint32_t addr) {
  if (!w->order) return;
  while (w->next < w->lab->nsyms && w->lab->syms[w->order[w->next]].addr < addr) w->next++;
  for (; w->next < w->lab->nsyms && w->lab->syms[w->order[w->next]].addr == addr; w->next++) {
    const image_sym *s = &w->lab->syms[w->order[w->next]];
    if (s->global) {
      out_str(o, ".global ");
      out_str(o, s->name);
      out_str(o, "\n");
    }
    out_str(o, s->name);
    out_str(o, ":\n");
  }
}

/* The odd bytes before the first or after the last whole word (at most
 * three each): one .byte a line, so each can carry its label. */
static void print_bytes(out *o, label_walk *w, const image_seg *s, uint32_t from, uint32_t to, int flags) {
  for (; from < to; from++) {
    print_labels(o, w, s->addr + from);
    out_str(o, "    .byte ");
    out_hex(o, s->data[from], 2);
    if (flags & DIS_ADDRS) {
      out_str(o, "                     ; ");
      out_hex8(o, s->addr + from);
    }
    out_str(o, "\n");
  }
}

/* ---- the words, a batch at a time ---- */

enum {
  BATCH = 1 << 16, /* words: 2.3 MiB of answers and scratch */
  SMALL = 64,      /* the batch if that much memory cannot be had */
  AHEAD = 8,       /* words: how far ahead a name is fetched into the cache */
};

/* One batch's questions (target << 32 | word number in the batch, then
 * sorted) and answers, by word number: the target's label (exact), and
 * for -a its nearest symbol and the distance past it. */
typedef struct batch {
  size_t cap;
  uint64_t *ask, *scratch;
  const char **label, **sym;
  uint32_t *off;
} batch;

/* The batch's arrays, carved from mem (cap * BATCH_BYTES bytes). */
#define BATCH_BYTES (2 * sizeof(uint64_t) + 2 * sizeof(const char *) + sizeof(uint32_t))
static batch batch_at(void *mem, size_t cap) {
  batch b = {cap, mem, NULL, NULL, NULL, NULL};
  b.scratch = b.ask + cap;
  b.label = (const char **)(b.scratch + cap);
  b.sym = b.label + cap;
  b.off = (uint32_t *)(b.sym + cap);
  return b;
}

static uint32_t word_at(const image_seg *s, uint32_t o) {
  return (uint32_t)s->data[o] | (uint32_t)s->data[o + 1] << 8 | (uint32_t)s->data[o + 2] << 16 |
         (uint32_t)s->data[o + 3] << 24;
}

/* Answer the targets of the words of s at offsets [o, o + 4 * count). */
static void batch_answer(batch *b, const image *img, const image *lab, const image_seg *s, uint32_t o, size_t count,
                         int flags) {
  size_t nask = 0;
  for (size_t j = 0; j < count; j++) {
    uint32_t a = s->addr + o + 4 * (uint32_t)j, t;
    b->label[j] = b->sym[j] = NULL;
    if (dis_target(word_at(s, o + 4 * (uint32_t)j), a, &t)) b->ask[nask++] = (uint64_t)t << 32 | j;
  }
  uint64_t steps = 0;
  image_keysort(b->ask, b->scratch, nask, &steps);
  image_index_charge(img, steps);
  for (size_t k = 0; k < nask; k++) {
    uint32_t t = (uint32_t)(b->ask[k] >> 32), j = (uint32_t)b->ask[k], off;
    const char *name = image_symbol_at(lab, t, &off);
    b->label[j] = name && off == 0 ? name : NULL;
    if (flags & DIS_ADDRS) b->sym[j] = image_symbol_at(img, t, &b->off[j]);
  }
}

/* Room for k more bytes at the end of the buffer (k <= its size). */
static char *out_room(out *o, size_t k) {
  if (o->n + k > sizeof o->b) out_flush(o);
  return o->b + o->n;
}

static char *hex8(char *p, uint32_t v) {
  for (int i = 7; i >= 0; i--, v >>= 4) p[i] = "0123456789abcdef"[v & 15];
  return p + 8;
}

/* Print the batch's words: each line written in place in the buffer
 * (text under 128 bytes, the -a comment under 160: 400 at most). */
static void batch_print(out *o, label_walk *w, const batch *b, const image_seg *s, uint32_t from, size_t count,
                        int flags) {
  for (size_t j = 0; j < count; j++) {
    if (j + AHEAD < count) { /* its name will be wanted soon: ask the memory now */
      if (b->label[j + AHEAD]) __builtin_prefetch(b->label[j + AHEAD]);
      if (b->sym[j + AHEAD]) __builtin_prefetch(b->sym[j + AHEAD]);
    }
    uint32_t a = s->addr + from + 4 * (uint32_t)j, word = word_at(s, from + 4 * (uint32_t)j);
    print_labels(o, w, a);
    char *line = out_room(o, 400), *p = line;
    memcpy(p, "    ", 4);
    p += 4;
    dis_insn_sym(word, a, b->label[j], 0, DIS_REASM, p, 128);
    size_t k = strlen(p);
    p += k;
    if (flags & DIS_ADDRS) {
      char shown[160];
      dis_insn_sym(word, a, b->sym[j], b->sym[j] ? b->off[j] : 0, 0, shown, sizeof shown);
      const char *lt = strchr(shown, '<');
      if (k < 30) memset(p, ' ', 30 - k), p += 30 - k;
      memcpy(p, " ; ", 3);
      p = hex8(p + 3, a);
      memcpy(p, ": ", 2);
      p = hex8(p + 2, word);
      if (lt) {
        size_t m = strlen(lt);
        *p++ = ' ';
        memcpy(p, lt, m);
        p += m;
      }
    }
    *p++ = '\n';
    o->n += (size_t)(p - line);
  }
}

void dis_image(FILE *f, const image *img, int flags) {
  image lab = labels_of(img);
  label_walk walk = {&lab, image_by_addr(&lab), 0};
  uint64_t small[SMALL * BATCH_BYTES / sizeof(uint64_t)];
  /* A batch as large as the largest segment's words, up to BATCH: a small
   * image is listed without mapping and zeroing megabytes (which was most
   * of the image fuzzer's time). */
  size_t cap = SMALL;
  for (int i = 0; i < img->nsegs; i++)
    if (img->segs[i].size / 4 > cap) cap = img->segs[i].size / 4;
  if (cap > BATCH) cap = BATCH;
  void *mem = cap > SMALL ? malloc(cap * BATCH_BYTES) : NULL;
  batch b = mem ? batch_at(mem, cap) : batch_at(small, SMALL);
  out *o = malloc(sizeof *o), o_small;
  if (!o) o = &o_small;
  o->f = f;
  o->n = 0;
  uint32_t off;
  const char *entry = image_symbol_at(&lab, img->entry, &off);
  out_str(o, "; vdis: reassemble with vasm\n.entry ");
  if (entry && off == 0)
    out_str(o, entry);
  else
    out_hex(o, img->entry, 1);
  out_str(o, "\n");
  for (int i = 0; i < img->nsegs; i++) {
    const image_seg *s = &img->segs[i];
    uint32_t head = (4 - s->addr % 4) % 4;
    if (head > s->size) head = s->size;
    uint32_t words_end = head + (s->size - head) / 4 * 4;
    out_str(o, "\n.org ");
    out_hex(o, s->addr, 1);
    out_str(o, "\n");
    print_bytes(o, &walk, s, 0, head, flags);
    for (uint32_t from = head; from < words_end;) {
      size_t count = (words_end - from) / 4 < b.cap ? (words_end - from) / 4 : b.cap;
      batch_answer(&b, img, &lab, s, from, count, flags);
      batch_print(o, &walk, &b, s, from, count, flags);
      from += 4 * (uint32_t)count;
    }
    print_bytes(o, &walk, s, words_end, s->size, flags);
  }
  out_flush(o);
  if (o != &o_small) free(o);
  free(mem);
  image_index_charge(img, image_index_steps(&lab)); /* building it, and the listing's searches */
  labels_free(&lab);
}
