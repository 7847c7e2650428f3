/* image.c: ELF32 images, read and written field by field.
 *
 * Every multi-byte field goes through get16/get32/put16/put32, so the code
 * works on any host and never depends on struct layout.  The reader trusts
 * nothing: each offset and size is checked against the file length in
 * 64-bit arithmetic before it is used.
 */
#include "image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- ELF32 constants (the subset we use; see the System V gABI) ---- */
enum {
  EHDR_SIZE = 52,
  PHDR_SIZE = 32,
  SHDR_SIZE = 40,
  SYM_SIZE = 16,
  ELFCLASS32 = 1,
  ELFDATA2LSB = 1,
  EV_CURRENT = 1,
  ET_EXEC = 2,
  PT_LOAD = 1,
  PF_X = 1,
  PF_W = 2,
  PF_R = 4,
  SHT_PROGBITS = 1,
  SHT_SYMTAB = 2,
  SHT_STRTAB = 3,
  SHF_WRITE = 1,
  SHF_ALLOC = 2,
  SHF_EXECINSTR = 4,
  SHN_ABS = 0xfff1,
  STB_LOCAL = 0,
  STB_GLOBAL = 1,
  STB_WEAK = 2,
  STT_NOTYPE = 0,
  STT_SECTION = 3,
  STT_FILE = 4,
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  put16(p, v);
  put16(p + 2, v >> 16);
}

static int fail(char *err, size_t errlen, const char *name, const char *fmt, ...) {
  if (err && errlen) {
    int n = snprintf(err, errlen, "%s: ", name);
    if (n >= 0 && (size_t)n < errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return -1;
}

/* ---- building ---- */

/* A block of names: the newest first, so only the head has room left. */
struct image_names {
  image_names *next;
  size_t used, cap;
  char text[];
};

enum { NAME_BLOCK = 64 << 10 }; /* bytes; more than IMAGE_MAX_NAME + 1 */

void image_free(image *img) {
  for (int i = 0; i < img->nsegs; i++) free(img->segs[i].data);
  for (image_names *b = img->names, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(img->segs);
  free(img->syms);
  image_unindex(img);
  memset(img, 0, sizeof *img);
}

/* Room for one more segment: the array doubles when full, as syms does
 * (a generated kernel adds a few dozen segments; under AddressSanitizer
 * every realloc copies). */
static bool seg_room(image *img) {
  if (img->nsegs < img->segcap) return true;
  int cap = img->segcap ? 2 * img->segcap : 8;
  image_seg *s = realloc(img->segs, (size_t)cap * sizeof *s);
  if (!s) return false;
  img->segs = s;
  img->segcap = cap;
  return true;
}

/* The new segment goes in address order, so that the segments stay sorted
 * whatever order a writer adds them in (at most IMAGE_MAX_SEGS moved). */
int image_put_seg(image *img, uint32_t addr, uint8_t *data, uint32_t size) {
  if (img->nsegs >= IMAGE_MAX_SEGS || !seg_room(img)) {
    free(data);
    return -1;
  }
  image_seg *s = img->segs;
  int i = img->nsegs++;
  for (; i > 0 && s[i - 1].addr > addr; i--) s[i] = s[i - 1];
  s[i] = (image_seg){addr, size, data};
  return 0;
}

int image_add_seg(image *img, uint32_t addr, const uint8_t *data, uint32_t size) {
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return -1;
  if (size) memcpy(copy, data, size);
  return image_put_seg(img, addr, copy, size);
}

/* A copy of name[0..len) and a 0 in img's name blocks, or NULL. */
static char *name_copy(image *img, const char *name, size_t len) {
  image_names *b = img->names;
  if (!b || b->cap - b->used < len + 1) {
    b = malloc(sizeof *b + NAME_BLOCK);
    if (!b) return NULL;
    *b = (image_names){img->names, 0, NAME_BLOCK};
    img->names = b;
  }
  char *copy = b->text + b->used;
  memcpy(copy, name, len);
  copy[len] = 0;
  b->used += len + 1;
  return copy;
}

/* The array doubles when full, so that adding n symbols copies O(n) of
 * them in all (growing by one would copy n^2/2: hours for a million under
 * AddressSanitizer, whose realloc always copies). */
static int add_sym(image *img, const char *name, size_t len, uint32_t addr, bool global) {
  if (img->nsyms >= IMAGE_MAX_SYMS || len > IMAGE_MAX_NAME) return -1;
  if (img->nsyms == img->symcap) {
    int cap = img->symcap ? 2 * img->symcap : 16;
    image_sym *s = realloc(img->syms, (size_t)cap * sizeof *s);
    if (!s) return -1;
    img->syms = s;
    img->symcap = cap;
  }
  char *copy = name_copy(img, name, len);
  if (!copy) return -1;
  image_unindex(img); /* stale now */
  img->syms[img->nsyms++] = (image_sym){addr, copy, global};
  return 0;
}

int image_add_sym(image *img, const char *name, uint32_t addr, bool global) {
  size_t len = strnlen(name, IMAGE_MAX_NAME + 1);
  return add_sym(img, name, len, addr, global);
}

const image_seg *image_seg_at(const image *img, uint32_t addr) {
  for (int i = 0; i < img->nsegs; i++)
    if (addr - img->segs[i].addr < img->segs[i].size) return &img->segs[i];
  return NULL;
}

/* ---- reading ---- */

static int cmp_seg(const void *a, const void *b) {
  const image_seg *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Does [off, off+size) lie inside a file of len bytes? */
static bool inside(uint64_t off, uint64_t size, size_t len) { return off <= len && size <= len - off; }

static int read_segments(const uint8_t *buf, size_t len, const char *name, image *img, char *err,
                         size_t errlen) {
  uint32_t phoff = get32(buf + 28);
  uint16_t phentsize = get16(buf + 42), phnum = get16(buf + 44);
  if (phnum == 0) return 0;
  if (phentsize != PHDR_SIZE)
    return fail(err, errlen, name, "bad program header size %u", (unsigned)phentsize);
  if (phnum > IMAGE_MAX_SEGS) return fail(err, errlen, name, "too many program headers (%u)", phnum);
  if (!inside(phoff, (uint64_t)phnum * PHDR_SIZE, len))
    return fail(err, errlen, name, "program headers extend past the end of the file");
  uint64_t total = 0;
  for (int i = 0; i < phnum; i++) {
    const uint8_t *ph = buf + phoff + (size_t)i * PHDR_SIZE;
    if (get32(ph) != PT_LOAD) continue; /* notes and the like: not ours to load */
    uint32_t off = get32(ph + 4), paddr = get32(ph + 12);
    uint32_t filesz = get32(ph + 16), memsz = get32(ph + 20);
    if (filesz > memsz)
      return fail(err, errlen, name, "segment %d: file size 0x%x exceeds memory size 0x%x", i,
                  filesz, memsz);
    if (!inside(off, filesz, len))
      return fail(err, errlen, name, "segment %d: data extends past the end of the file", i);
    if ((uint64_t)paddr + memsz > 0x100000000ull)
      return fail(err, errlen, name, "segment %d: wraps past the end of the address space", i);
    total += memsz;
    if (total > IMAGE_MAX_BYTES)
      return fail(err, errlen, name, "segments too large (over %u bytes)", IMAGE_MAX_BYTES);
    if (memsz == 0) continue;
    uint8_t *data = calloc(memsz, 1); /* the part past filesz is zero (bss) */
    if (!data || !seg_room(img)) {
      free(data);
      return fail(err, errlen, name, "out of memory");
    }
    memcpy(data, buf + off, filesz);
    img->segs[img->nsegs++] = (image_seg){paddr, memsz, data};
  }
  if (img->nsegs > 1) qsort(img->segs, (size_t)img->nsegs, sizeof *img->segs, cmp_seg);
  for (int i = 1; i < img->nsegs; i++) {
    const image_seg *a = &img->segs[i - 1], *b = &img->segs[i];
    if (b->addr - a->addr < a->size)
      return fail(err, errlen, name, "segments at 0x%x and 0x%x overlap", a->addr, b->addr);
  }
  return 0;
}

static int read_symbols(const uint8_t *buf, size_t len, const char *name, image *img, char *err,
                        size_t errlen) {
  uint32_t shoff = get32(buf + 32);
  uint16_t shentsize = get16(buf + 46), shnum = get16(buf + 48), shstrndx = get16(buf + 50);
  if (shnum == 0) return 0; /* no sections: an image without symbols */
  if (shentsize != SHDR_SIZE)
    return fail(err, errlen, name, "bad section header size %u", (unsigned)shentsize);
  if (!inside(shoff, (uint64_t)shnum * SHDR_SIZE, len))
    return fail(err, errlen, name, "section headers extend past the end of the file");
  if (shstrndx >= shnum) return fail(err, errlen, name, "bad section name table index %u", shstrndx);
  const uint8_t *sh0 = buf + shoff;
  for (int i = 0; i < shnum; i++) {
    const uint8_t *sh = sh0 + (size_t)i * SHDR_SIZE;
    if (get32(sh + 4) != SHT_SYMTAB) continue;
    uint32_t off = get32(sh + 16), size = get32(sh + 20), link = get32(sh + 24);
    if (get32(sh + 36) != SYM_SIZE)
      return fail(err, errlen, name, "bad symbol entry size %u", get32(sh + 36));
    if (!inside(off, size, len) || size % SYM_SIZE)
      return fail(err, errlen, name, "symbol table extends past the end of the file");
    if (link >= shnum || get32(sh0 + (size_t)link * SHDR_SIZE + 4) != SHT_STRTAB)
      return fail(err, errlen, name, "symbol table names no string table");
    const uint8_t *str = sh0 + (size_t)link * SHDR_SIZE;
    uint32_t stroff = get32(str + 16), strsize = get32(str + 20);
    if (!inside(stroff, strsize, len))
      return fail(err, errlen, name, "string table extends past the end of the file");
    uint32_t n = size / SYM_SIZE;
    uint64_t names = 0; /* bytes of names copied */
    if (n > IMAGE_MAX_SYMS) return fail(err, errlen, name, "too many symbols (%u)", n);
    for (uint32_t k = 1; k < n; k++) { /* entry 0 is the null symbol */
      const uint8_t *sym = buf + off + (size_t)k * SYM_SIZE;
      uint32_t nm = get32(sym), value = get32(sym + 4);
      int bind = sym[12] >> 4, type = sym[12] & 15;
      if (type == STT_SECTION || type == STT_FILE || nm == 0) continue;
      if (nm >= strsize) return fail(err, errlen, name, "symbol %u: name out of range", k);
      const char *s = (const char *)buf + stroff + nm;
      size_t room = strsize - nm < IMAGE_MAX_NAME + 1 ? strsize - nm : IMAGE_MAX_NAME + 1;
      const char *end = memchr(s, 0, room); /* (bounded: names may share one long string) */
      if (!end && room == strsize - nm) return fail(err, errlen, name, "symbol %u: name not terminated", k);
      if (!end) return fail(err, errlen, name, "symbol %u: name longer than %d bytes", k, IMAGE_MAX_NAME);
      names += (uint64_t)(end - s) + 1;
      if (names > IMAGE_MAX_BYTES) return fail(err, errlen, name, "symbol names too large (over %u bytes)", IMAGE_MAX_BYTES);
      if (add_sym(img, s, (size_t)(end - s), value, bind == STB_GLOBAL || bind == STB_WEAK) < 0)
        return fail(err, errlen, name, "out of memory");
    }
    break; /* one symbol table is all an executable has */
  }
  return 0;
}

int image_read_mem(const uint8_t *buf, size_t len, const char *name, image *img, char *err,
                   size_t errlen) {
  memset(img, 0, sizeof *img);
  if (len < EHDR_SIZE) return fail(err, errlen, name, "too short for an ELF header (%zu bytes)", len);
  if (memcmp(buf, "\177ELF", 4) != 0) return fail(err, errlen, name, "not an ELF file");
  if (buf[4] != ELFCLASS32) return fail(err, errlen, name, "not a 32-bit ELF file");
  if (buf[5] != ELFDATA2LSB) return fail(err, errlen, name, "not a little-endian ELF file");
  if (buf[6] != EV_CURRENT || get32(buf + 20) != EV_CURRENT)
    return fail(err, errlen, name, "unknown ELF version");
  if (get16(buf + 16) != ET_EXEC)
    return fail(err, errlen, name, "not an executable (e_type %u)", get16(buf + 16));
  if (get16(buf + 18) != EM_VKIT)
    return fail(err, errlen, name, "wrong machine 0x%x (the kit's CPU is 0x%x)", get16(buf + 18),
                EM_VKIT);
  if (get16(buf + 40) != EHDR_SIZE) return fail(err, errlen, name, "bad ELF header size");
  img->entry = get32(buf + 24);
  if (read_segments(buf, len, name, img, err, errlen) < 0 || read_symbols(buf, len, name, img, err, errlen) < 0) {
    image_free(img);
    return -1;
  }
  if (image_build_index(img) != 0) {
    image_free(img);
    return fail(err, errlen, name, "out of memory");
  }
  return 0;
}

int image_read(const char *path, image *img, char *err, size_t errlen) {
  memset(img, 0, sizeof *img);
  char *buf;
  size_t len;
  int status = cli_read_file(path, IMAGE_MAX_FILE, &buf, &len, err, errlen);
  if (status) return status;
  int r = image_read_mem((const uint8_t *)buf, len, path, img, err, errlen);
  free(buf);
  return r ? CLI_EX_DATAERR : 0;
}

/* ---- writing ---- */

/* The section-name table: fixed names first, then ".text.N" names. */
typedef struct strbuf {
  char *s;
  size_t len, cap;
  bool oom;
} strbuf;

static uint32_t sb_add(strbuf *b, const char *s) {
  size_t n = strlen(s) + 1;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->oom = true;
      return 0;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  return (uint32_t)(b->len - n);
}

/* Section index of the segment holding addr, for a symbol's st_shndx. */
static uint32_t sym_section(const image *img, uint32_t addr) {
  for (int i = 0; i < img->nsegs; i++)
    if (addr - img->segs[i].addr < img->segs[i].size) return (uint32_t)i + 1;
  return SHN_ABS;
}

int image_write_mem(const image *img, uint8_t **out, size_t *outlen, char *err, size_t errlen) {
  const char *who = "image_write";
  int n = img->nsegs;
  if (n < 0 || n > IMAGE_MAX_SEGS) return fail(err, errlen, who, "too many segments");
  uint64_t total = 0;
  for (int i = 0; i < n; i++) {
    const image_seg *s = &img->segs[i];
    total += s->size;
    if ((uint64_t)s->addr + s->size > 0x100000000ull)
      return fail(err, errlen, who, "segment at 0x%x wraps past the end of memory", s->addr);
    if (i > 0 && (uint64_t)img->segs[i - 1].addr + img->segs[i - 1].size > s->addr)
      return fail(err, errlen, who, "segments overlap or are out of order");
  }
  if (total > IMAGE_MAX_BYTES) return fail(err, errlen, who, "segments too large");

  /* Names: .symtab wants locals before globals (sh_info = first global). */
  strbuf shstr = {0}, str = {0};
  sb_add(&shstr, "");
  uint32_t nm_symtab = sb_add(&shstr, ".symtab"), nm_strtab = sb_add(&shstr, ".strtab");
  uint32_t nm_shstrtab = sb_add(&shstr, ".shstrtab");
  uint32_t *nm_seg = calloc((size_t)n + 1, sizeof *nm_seg);
  uint32_t *nm_sym = calloc((size_t)img->nsyms + 1, sizeof *nm_sym);
  for (int i = 0; i < n && nm_seg; i++) {
    char name[32] = ".text";
    if (i) snprintf(name, sizeof name, ".text.%d", i);
    nm_seg[i] = sb_add(&shstr, name);
  }
  sb_add(&str, "");
  for (int pass = 0; pass < 2 && nm_sym; pass++) /* in .symtab order: locals, then globals */
    for (int i = 0; i < img->nsyms; i++)
      if (img->syms[i].global == (pass == 1)) nm_sym[i] = sb_add(&str, img->syms[i].name);

  /* Layout. */
  uint64_t off = EHDR_SIZE + (uint64_t)n * PHDR_SIZE;
  uint64_t *seg_off = calloc((size_t)n + 1, sizeof *seg_off);
  for (int i = 0; i < n && seg_off; i++) {
    off += (img->segs[i].addr - off) & 3; /* offset = address, modulo 4 */
    seg_off[i] = off;
    off += img->segs[i].size;
  }
  off = (off + 3) & ~3ull;
  uint64_t symtab_off = off, symtab_size = ((uint64_t)img->nsyms + 1) * SYM_SIZE;
  uint64_t strtab_off = symtab_off + symtab_size, shstr_off = strtab_off + str.len;
  uint64_t sh_off = (shstr_off + shstr.len + 3) & ~3ull;
  int shnum = n + 4, sh_symtab = n + 1, sh_strtab = n + 2, sh_shstr = n + 3;
  uint64_t size = sh_off + (uint64_t)shnum * SHDR_SIZE;
  uint8_t *b = NULL;
  if (nm_seg && nm_sym && seg_off && !shstr.oom && !str.oom && size < 0x80000000u)
    b = calloc(size, 1);
  if (!b) {
    free(nm_seg), free(nm_sym), free(seg_off), free(shstr.s), free(str.s);
    return fail(err, errlen, who, "out of memory");
  }

  /* ELF header. */
  memcpy(b, "\177ELF", 4);
  b[4] = ELFCLASS32, b[5] = ELFDATA2LSB, b[6] = EV_CURRENT;
  put16(b + 16, ET_EXEC), put16(b + 18, EM_VKIT), put32(b + 20, EV_CURRENT);
  put32(b + 24, img->entry), put32(b + 28, n ? EHDR_SIZE : 0), put32(b + 32, (uint32_t)sh_off);
  put16(b + 40, EHDR_SIZE), put16(b + 42, PHDR_SIZE), put16(b + 44, (uint32_t)n);
  put16(b + 46, SHDR_SIZE), put16(b + 48, (uint32_t)shnum), put16(b + 50, (uint32_t)sh_shstr);

  /* Program headers, segment bytes and their PROGBITS sections. */
  for (int i = 0; i < n; i++) {
    const image_seg *s = &img->segs[i];
    uint8_t *ph = b + EHDR_SIZE + i * PHDR_SIZE, *sh = b + sh_off + (size_t)(i + 1) * SHDR_SIZE;
    put32(ph, PT_LOAD), put32(ph + 4, (uint32_t)seg_off[i]);
    put32(ph + 8, s->addr), put32(ph + 12, s->addr);
    put32(ph + 16, s->size), put32(ph + 20, s->size);
    put32(ph + 24, PF_R | PF_W | PF_X), put32(ph + 28, 4);
    if (s->size) memcpy(b + seg_off[i], s->data, s->size);
    put32(sh, nm_seg[i]), put32(sh + 4, SHT_PROGBITS);
    put32(sh + 8, SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR), put32(sh + 12, s->addr);
    put32(sh + 16, (uint32_t)seg_off[i]), put32(sh + 20, s->size);
    put32(sh + 32, s->addr % 4 ? 1 : 4);
  }

  /* Symbols: locals, then globals. */
  int k = 1, nlocal = 1;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < img->nsyms; i++) {
      const image_sym *s = &img->syms[i];
      if (s->global != (pass == 1)) continue;
      uint8_t *e = b + symtab_off + (size_t)k++ * SYM_SIZE;
      put32(e, nm_sym[i]), put32(e + 4, s->addr);
      e[12] = (uint8_t)((s->global ? STB_GLOBAL : STB_LOCAL) << 4 | STT_NOTYPE);
      put16(e + 14, sym_section(img, s->addr));
      if (!s->global) nlocal = k;
    }
  memcpy(b + strtab_off, str.s, str.len);
  memcpy(b + shstr_off, shstr.s, shstr.len);

  uint8_t *sh = b + sh_off + (size_t)sh_symtab * SHDR_SIZE;
  put32(sh, nm_symtab), put32(sh + 4, SHT_SYMTAB), put32(sh + 16, (uint32_t)symtab_off);
  put32(sh + 20, (uint32_t)symtab_size), put32(sh + 24, (uint32_t)sh_strtab);
  put32(sh + 28, (uint32_t)nlocal), put32(sh + 32, 4), put32(sh + 36, SYM_SIZE);
  sh = b + sh_off + (size_t)sh_strtab * SHDR_SIZE;
  put32(sh, nm_strtab), put32(sh + 4, SHT_STRTAB), put32(sh + 16, (uint32_t)strtab_off);
  put32(sh + 20, (uint32_t)str.len), put32(sh + 32, 1);
  sh = b + sh_off + (size_t)sh_shstr * SHDR_SIZE;
  put32(sh, nm_shstrtab), put32(sh + 4, SHT_STRTAB), put32(sh + 16, (uint32_t)shstr_off);
  put32(sh + 20, (uint32_t)shstr.len), put32(sh + 32, 1);

  free(nm_seg), free(nm_sym), free(seg_off), free(shstr.s), free(str.s);
  *out = b;
  *outlen = (size_t)size;
  return 0;
}

int image_write(const char *path, const image *img, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (image_write_mem(img, &buf, &len, err, errlen) < 0) return CLI_EX_DATAERR; /* (or out of memory: rare) */
  cli_out o;
  int status = cli_out_open(&o, path, err, errlen);
  if (status == 0) {
    if (fwrite(buf, 1, len, o.f) == len)
      status = cli_out_close(&o, err, errlen);
    else {
      snprintf(err, errlen, "%s: write error", path);
      cli_out_abort(&o);
      status = CLI_EX_IOERR;
    }
  }
  free(buf);
  return status;
}
