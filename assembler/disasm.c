/* disasm.c: the disassembler.  The ISA table gives each instruction's
 * mnemonic and operand letters, so nothing here lists opcodes.
 *
 * dis_image prints source that vasm turns back into the same bytes; the
 * round trip is tested for every opcode and for random words.  The three
 * things that make that true:
 *   - a word prints as an instruction only if isa_decode accepts it (all
 *     must-be-zero bits zero), and every field prints in a form the
 *     assembler reads back exactly;
 *   - anything else (and any odd bytes at a segment's ends) is .word/.byte;
 *   - a branch target prints as a label only if that label is printed too.
 */
#include "disasm.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cpu.h"
#include "isa_info.h"

const char *dis_reg(unsigned r) {
  static const char *const names[NREGS] = {"zero", "r1", "r2",  "r3",  "r4", "r5", "r6", "r7",
                                           "r8",   "r9", "r10", "r11", "r12", "fp", "sp", "lr"};
  return r < NREGS ? names[r] : "?";
}

/* Append to buf at *n, never past len. */
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...) {
  if (*n >= len) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *n, len - *n, fmt, ap);
  va_end(ap);
  if (k > 0) *n += (size_t)k;
}

static void put_hex(char *buf, size_t len, size_t *n, uint32_t v) {
  if (v < 10)
    put(buf, len, n, "%u", v);
  else
    put(buf, len, n, "0x%x", v);
}

static void put_target(char *buf, size_t len, size_t *n, uint32_t t, const image *syms,
                       int flags) {
  uint32_t off = 0;
  const char *name = syms ? image_symbol_at(syms, t, &off) : NULL;
  if (flags & DIS_REASM) {
    if (name && off == 0)
      put(buf, len, n, "%s", name);
    else
      put(buf, len, n, "0x%x", t);
    return;
  }
  put(buf, len, n, "0x%x", t);
  if (name && off == 0) put(buf, len, n, " <%s>", name);
  if (name && off != 0) put(buf, len, n, " <%s+%u>", name, off);
}

int dis_insn_ex(uint32_t word, uint32_t pc, const image *syms, int flags, char *buf, size_t len) {
  dinsn d;
  size_t n = 0;
  if (len) buf[0] = 0;
  if (!isa_decode(word, &d)) {
    put(buf, len, &n, ".word 0x%08x", word);
    return 0;
  }
  const isa_info *in = &isa_table[d.op];
  put(buf, len, &n, "%s", in->name);
  const char *sep = " ";
  for (const char *p = in->ops; *p; p++) {
    if (*p == ',') continue;
    put(buf, len, &n, "%s", sep);
    sep = ", ";
    switch (*p) {
    case 'd': put(buf, len, &n, "%s", dis_reg(d.rd)); break;
    case 's': put(buf, len, &n, "%s", dis_reg(d.rs1)); break;
    case 't': put(buf, len, &n, "%s", dis_reg(d.rs2)); break;
    case 'i': put(buf, len, &n, "%d", (int32_t)d.imm); break;
    case 'u':
    case 'p': put_hex(buf, len, &n, d.imm); break;
    case 'm': put(buf, len, &n, "%d(%s)", (int32_t)d.imm, dis_reg(d.rs1)); break;
    case 'j': put_target(buf, len, &n, pc + d.imm, syms, flags); break;
    case 'c': {
      const char *cr = isa_cr_name(d.imm);
      if (cr)
        put(buf, len, &n, "%s", cr);
      else
        put(buf, len, &n, "%u", d.imm);
      break;
    }
    }
  }
  return 1;
}

int dis_insn(uint32_t word, uint32_t pc, const image *syms, char *buf, size_t len) {
  return dis_insn_ex(word, pc, syms, 0, buf, len);
}

/* ---- whole images ---- */

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

/* The symbols that will be printed as labels: usable names, each once (the
 * first in the file), at a unit start; with their index, so that a branch
 * target finds its label and the listing walks them in address order.
 * The work of both indexes is charged to img's, for the tests to count. */
static image labels_of(const image *img) {
  image cand = {0}, lab = {0};
  for (int i = 0; i < img->nsyms; i++) {
    const image_sym *s = &img->syms[i];
    const image_seg *seg = image_seg_at(img, s->addr);
    if (asm_is_label_name(s->name) && seg && unit_start(seg, s->addr))
      image_add_sym(&cand, s->name, s->addr, s->global); /* (out of memory: fewer labels, still valid source) */
  }
  image_build_index(&cand);
  for (int i = 0; i < cand.nsyms; i++)
    if (image_find(&cand, cand.syms[i].name) == &cand.syms[i]) /* the first of its name */
      image_add_sym(&lab, cand.syms[i].name, cand.syms[i].addr, cand.syms[i].global);
  if (image_build_index(&lab) != 0) image_free(&lab); /* out of memory: no labels at all, still valid source */
  image_index_charge(img, &cand);
  image_free(&cand);
  return lab;
}

/* The labels in address order, walked once by the listing: each unit start
 * prints the labels at its address.  Labels are only at unit starts, and
 * units come in increasing address, so the walk never skips one. */
typedef struct label_walk {
  const image *lab;
  const int *order; /* image_by_addr(lab) */
  int next;
} label_walk;

static void print_labels(FILE *out, label_walk *w, uint32_t addr) {
  if (!w->order) return;
  while (w->next < w->lab->nsyms && w->lab->syms[w->order[w->next]].addr < addr) w->next++;
  for (; w->next < w->lab->nsyms && w->lab->syms[w->order[w->next]].addr == addr; w->next++) {
    const image_sym *s = &w->lab->syms[w->order[w->next]];
    if (s->global) fprintf(out, ".global %s\n", s->name);
    fprintf(out, "%s:\n", s->name);
  }
}

/* The odd bytes before the first or after the last whole word (at most
 * three each): one .byte a line, so each can carry its label. */
static void print_bytes(FILE *out, label_walk *w, const image_seg *s, uint32_t from, uint32_t to, int flags) {
  for (; from < to; from++) {
    print_labels(out, w, s->addr + from);
    fprintf(out, "    .byte 0x%02x", s->data[from]);
    if (flags & DIS_ADDRS) fprintf(out, "%*s ; %08x", 20, "", s->addr + from);
    fputc('\n', out);
  }
}

void dis_image(FILE *out, const image *img, int flags) {
  image lab = labels_of(img);
  label_walk walk = {&lab, image_by_addr(&lab), 0};
  uint32_t off;
  const char *entry = image_symbol_at(&lab, img->entry, &off);
  fprintf(out, "; vdis: reassemble with vasm\n");
  if (entry && off == 0)
    fprintf(out, ".entry %s\n", entry);
  else
    fprintf(out, ".entry 0x%x\n", img->entry);
  for (int i = 0; i < img->nsegs; i++) {
    const image_seg *s = &img->segs[i];
    uint32_t head = (4 - s->addr % 4) % 4;
    if (head > s->size) head = s->size;
    uint32_t words_end = head + (s->size - head) / 4 * 4;
    fprintf(out, "\n.org 0x%x\n", s->addr);
    print_bytes(out, &walk, s, 0, head, flags);
    for (uint32_t o = head; o < words_end; o += 4) {
      uint32_t a = s->addr + o;
      uint32_t w = (uint32_t)s->data[o] | (uint32_t)s->data[o + 1] << 8 |
                   (uint32_t)s->data[o + 2] << 16 | (uint32_t)s->data[o + 3] << 24;
      char text[128];
      dis_insn_ex(w, a, &lab, DIS_REASM, text, sizeof text);
      print_labels(out, &walk, a);
      if (flags & DIS_ADDRS) {
        char shown[160];
        dis_insn(w, a, img, shown, sizeof shown);
        const char *lt = strchr(shown, '<');
        fprintf(out, "    %-30s ; %08x: %08x%s%s\n", text, a, w, lt ? " " : "", lt ? lt : "");
      } else {
        fprintf(out, "    %s\n", text);
      }
    }
    print_bytes(out, &walk, s, words_end, s->size, flags);
  }
  image_index_charge(img, &lab); /* the listing's searches in it */
  image_free(&lab);
}
