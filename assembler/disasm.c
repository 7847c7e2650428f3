/* disasm.c: the disassembler.  The ISA table gives each instruction's
 * mnemonic and operand letters, and OPERAND_TABLE each letter's fields and
 * form, so nothing here lists opcodes, operands or register names.
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

/* put(buf, len, n, "%s", s), without printf's machinery: a listing puts
 * millions of names and mnemonics. */
static void put_str(char *buf, size_t len, size_t *n, const char *s) {
  size_t k = strlen(s);
  if (*n < len) {
    size_t room = len - *n - 1, c = k < room ? k : room;
    memcpy(buf + *n, s, c);
    buf[*n + c] = 0;
  }
  *n += k;
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
      put_str(buf, len, n, name);
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
  put_str(buf, len, &n, in->name);
  const char *sep = " ";
  for (const char *p = in->ops; *p; p++) {
    if (*p == ',') continue;
    put_str(buf, len, &n, sep);
    sep = ", ";
    const isa_operand *k = isa_operand_kind(*p);
    const char *reg = isa_reg_name(isa_field_get(word, k->reg));
    const char *cr = isa_cr_name(d.imm);
    switch (k->form) {
    case FORM_REG: put_str(buf, len, &n, reg); break;
    case FORM_SIGNED: put(buf, len, &n, "%d", (int32_t)d.imm); break;
    case FORM_UNSIGNED:
    case FORM_PORT: put_hex(buf, len, &n, d.imm); break;
    case FORM_MEM: put(buf, len, &n, "%d(%s)", (int32_t)d.imm, reg); break;
    case FORM_TARGET: put_target(buf, len, &n, pc + d.imm, syms, flags); break;
    case FORM_CREG:
      if (cr)
        put(buf, len, &n, "%s", cr);
      else
        put(buf, len, &n, "%u", d.imm);
      break;
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

/* Can the symbol print as a label: a usable name, at a unit start? */
static bool printable(const image *img, const image_sym *s) {
  const image_seg *seg = image_seg_at(img, s->addr);
  return seg && unit_start(seg, s->addr) && asm_is_label_name(s->name);
}

/* The symbols that will be printed as labels: of each name, the first
 * printable one in the file.  Made in address order (img's index walked),
 * so that its own index costs one pass; it answers a branch target's
 * label, and the listing walks it.  The names come grouped from img's
 * index (an indexed copy of img if it has none).  The labels share their
 * names with img (free them with labels_free).  The work is charged to
 * img's index, for the tests to count. */
static image labels_of(const image *img) {
  image copy = {0}, lab = {0};
  const image *src = img;
  if (!image_by_addr(img)) {
    for (int i = 0; i < img->nsyms; i++) image_add_sym(&copy, img->syms[i].name, img->syms[i].addr, img->syms[i].global);
    image_build_index(&copy);
    src = &copy;
  }
  const int *by_name = image_by_name(src), *by_addr = image_by_addr(src);
  int n = src->nsyms;
  bool *keep = calloc((size_t)n + 1, 1);
  uint64_t steps = image_index_steps(&copy);
  for (int k = 0; by_name && keep && k < n;) { /* one group of equal names at a time */
    int first = k;
    bool found = false;
    for (; k < n && strcmp(src->syms[by_name[k]].name, src->syms[by_name[first]].name) == 0; k++, steps++)
      if (!found && printable(img, &src->syms[by_name[k]])) keep[by_name[k]] = found = true;
  }
  lab.syms = keep ? malloc(((size_t)n + 1) * sizeof *lab.syms) : NULL;
  for (int k = 0; by_name && lab.syms && k < n; k++) {
    const image_sym *s = &src->syms[by_addr[k]];
    if (keep[by_addr[k]]) lab.syms[lab.nsyms++] = (image_sym){s->addr, img->syms[s - src->syms].name, s->global};
  }
  lab.symcap = lab.nsyms;
  if (!by_name || !lab.syms || image_build_index(&lab) != 0) { /* out of memory: no labels */
    free(lab.syms);
    lab = (image){0};
  }
  image_index_charge(img, steps);
  free(keep);
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
  image_index_charge(img, image_index_steps(&lab)); /* building it, and the listing's searches */
  labels_free(&lab);
}
