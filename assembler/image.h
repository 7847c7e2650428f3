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
#define IMAGE_MAX_BYTES (64u << 20) /* total of all segment sizes */
#define IMAGE_MAX_SYMS (1 << 20)

typedef struct image_seg {
  uint32_t addr, size;
  uint8_t *data;
} image_seg;

typedef struct image_sym {
  uint32_t addr;
  char *name;
  bool global;
} image_sym;

/* Segments are sorted by address and never overlap (image_read ensures it;
 * a writer must keep it).  Everything is owned by the image. */
typedef struct image {
  uint32_t entry;
  image_seg *segs;
  int nsegs;
  image_sym *syms;
  int nsyms;
} image;

/* Read an image.  0 on success; -1 with a one-line "PATH: reason" in err. */
int image_read(const char *path, image *img, char *err, size_t errlen);
int image_read_mem(const uint8_t *buf, size_t len, const char *name, image *img, char *err,
                   size_t errlen);
/* Write an image.  0 on success; -1 with a one-line message in err. */
int image_write(const char *path, const image *img, char *err, size_t errlen);
/* The file's bytes in a malloc'd buffer. */
int image_write_mem(const image *img, uint8_t **buf, size_t *len, char *err, size_t errlen);
void image_free(image *img);

/* Building an image: copy bytes into a new segment, add a symbol (the name
 * is copied).  -1 when out of memory or over a limit. */
int image_add_seg(image *img, uint32_t addr, const uint8_t *data, uint32_t size);
int image_add_sym(image *img, const char *name, uint32_t addr, bool global);

/* The nearest symbol at or below addr (globals win ties), with addr's
 * distance from it; NULL if there is none. */
const char *image_symbol_at(const image *img, uint32_t addr, uint32_t *offset);
/* 0 and *addr set if the image has a symbol of that name, else -1. */
int image_lookup(const image *img, const char *name, uint32_t *addr);
/* The segment holding addr, or NULL. */
const image_seg *image_seg_at(const image *img, uint32_t addr);

#endif
