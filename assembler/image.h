/* image.h: the kit's executable image, an ELF32 little-endian file.
 *
 * vasm writes images; vdis, the runner and the debugger read them.  An image
 * is what a loader needs and nothing more: the entry point, the loadable
 * segments (address, bytes) and the symbol table.
 *
 * The file, as image_write lays it out:
 *
 *   offset 0  +---------------------------+
 *             | ELF header (52 bytes)     |  e_machine = EM_VKIT, ET_EXEC
 *             +---------------------------+
 *             | program headers           |  one PT_LOAD (32 bytes) a segment
 *             +---------------------------+
 *             | segment bytes             |  each at an offset congruent to
 *             |   ...                     |  its address modulo 4
 *             +---------------------------+
 *             | .symtab .strtab .shstrtab |  for readelf, nm and the debugger
 *             +---------------------------+
 *             | section headers           |  NULL, one PROGBITS a segment
 *             +---------------------------+  (.text, .text.1, ...), the tables
 *
 * Only the program headers matter to a loader; the sections exist so that
 * the standard binutils (readelf -h/-S/-l, nm) can inspect an image.
 *
 * image_read validates every field it uses and rejects anything truncated,
 * overlapping or absurd with a one-line reason, so it is safe to point a
 * fuzzer at image_read_mem.
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EM_VKIT 0x564b /* "VK": the kit's machine number */

/* Limits that keep a corrupt file from asking for absurd amounts of memory. */
#define IMAGE_MAX_SEGS 1024
#define IMAGE_MAX_BYTES (64u << 20) /* total of all segment sizes; of all symbol names */
#define IMAGE_MAX_SYMS (1 << 20)
#define IMAGE_MAX_NAME 4096              /* bytes in one symbol's name */
#define IMAGE_MAX_FILE (4 * IMAGE_MAX_BYTES) /* an image file, so an endless input stops */

typedef struct image_seg {
  uint32_t addr, size;
  uint8_t *data;
} image_seg;

typedef struct image_sym {
  uint32_t addr;
  char *name; /* in the image's name blocks (image_add_sym copies it there) */
  bool global;
} image_sym;

/* The symbols' names, packed one after another into blocks of 64 KiB:
 * a million names are 16 allocations, not a million, and a lister that
 * walks the symbols in order reads their names in order. */
typedef struct image_names image_names;

/* The symbol index (image_index.c): the symbols sorted by address and by
 * name, so that the queries below take O(log n) steps at worst, not n (and
 * a few by address when the symbols are spread out, as code's are).
 * Loading an image and listing it stay O(n log n) in its symbols, about n
 * in practice (a million load and list in a fraction of a second); tests
 * count the steps to check it. */
typedef struct image_index image_index;

/* Segments are sorted by address (image_read and image_put_seg keep them
 * so) and never overlap (image_read ensures it; a writer must keep it).
 * Everything is owned by the image.  Symbols keep the file's order. */
typedef struct image {
  uint32_t entry;
  image_seg *segs;
  int nsegs, segcap; /* segcap: room in segs, grown by doubling */
  image_sym *syms;
  int nsyms, symcap; /* symcap: room in syms, grown by doubling */
  image_names *names; /* the blocks holding the syms' names */
  image_index *idx;  /* current, or NULL: image_add_sym drops it, image_build_index builds it */
} image;

/* Read an image.  0 on success, with the symbol index built; otherwise an
 * exit status (cli/status.h: 66 cannot read, 65 invalid, 71 out of memory)
 * with a one-line "PATH: reason" in err. */
int image_read(const char *path, image *img, char *err, size_t errlen);
/* The same from memory: 0, or -1 (65) with the reason in err. */
int image_read_mem(const uint8_t *buf, size_t len, const char *name, image *img, char *err,
                   size_t errlen);
/* Write an image: into a temporary file that replaces path once complete
 * (cli_out_open).  0, or an exit status with a one-line message in err. */
int image_write(const char *path, const image *img, char *err, size_t errlen);
/* The file's bytes in a malloc'd buffer. */
int image_write_mem(const image *img, uint8_t **buf, size_t *len, char *err, size_t errlen);
void image_free(image *img);

/* Building an image: copy bytes into a new segment, or hand it malloc'd
 * bytes (image_put_seg: the image owns them from now on, and frees them
 * if it fails); add a symbol (the name is copied).  -1 when out of memory
 * or over a limit. */
int image_add_seg(image *img, uint32_t addr, const uint8_t *data, uint32_t size);
int image_put_seg(image *img, uint32_t addr, uint8_t *data, uint32_t size);
int image_add_sym(image *img, const char *name, uint32_t addr, bool global);

/* Build the symbol index (after the last image_add_sym).  Without one the
 * queries below still answer, by scanning every symbol.  0, or -1 when out
 * of memory (the image then has no index). */
int image_build_index(image *img);
/* Drop the index (image_add_sym does: it is stale then). */
void image_unindex(image *img);
/* Steps the index has taken (comparisons and probes, building and
 * searching) since it was built: what the tests count.  0 without an
 * index. */
uint64_t image_index_steps(const image *img);
/* Add steps to img's count: a lister's own work with its symbols. */
void image_index_charge(const image *img, uint64_t steps);

/* The nearest symbol at or below addr (globals win ties, then the first in
 * the file), with addr's distance from it; NULL if there is none. */
const char *image_symbol_at(const image *img, uint32_t addr, uint32_t *offset);
/* The first symbol (in the file's order) named name, or NULL. */
const image_sym *image_find(const image *img, const char *name);
/* 0 and *addr set if the image has a symbol of that name, else -1. */
int image_lookup(const image *img, const char *name, uint32_t *addr);
/* The lowest symbol address above addr, or 0 if there is none. */
uint32_t image_symbol_after(const image *img, uint32_t addr);
/* The symbols' numbers in address order (the file's order at one address),
 * for walking an image in order; NULL without a current index. */
const int *image_by_addr(const image *img);
/* The same in name order (the file's order among equal names). */
const int *image_by_name(const image *img);
/* Of the symbols i with mark[i] set, leave the mark on the first (in the
 * file's order) of each name only: O(n) steps for distinct names, O(n log n)
 * at worst.  0, or -1 when out of memory (mark unchanged). */
int image_first_of_names(const image *img, bool *mark);
/* The segment holding addr, or NULL. */
const image_seg *image_seg_at(const image *img, uint32_t addr);

/* Sorting many 64-bit keys by their top half, in linear time (image_index.c).
 *
 * The symbol index and the lister sort pairs packed into one word, a key
 * above and a number below (a name's hash and its symbol, a branch target
 * and its instruction):
 *
 *     63            32 31             0
 *    +----------------+----------------+
 *    |      key       |     number     |
 *    +----------------+----------------+
 *
 * image_keysort orders them by key and keeps the order of equal keys
 * (stable), so pairs put in by number come out by number among equal keys.
 * Sort v[0..n) by v[i] >> 32, stably, with tmp[0..n) as scratch: a radix
 * sort, four passes of a byte each, 2n steps a pass added to *steps. */
void image_keysort(uint64_t *v, uint64_t *tmp, size_t n, uint64_t *steps);

#endif
