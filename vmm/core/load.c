/* load.c: putting an image into physical memory. */
#include <string.h>

#include "vmm.h"

int load_image(cpu *c, const image *img, uint32_t base, uint32_t limit, char *err, size_t errlen) {
  for (int i = 0; i < img->nsegs; i++) {
    const image_seg *s = &img->segs[i];
    uint64_t end = (uint64_t)s->addr + s->size;
    if (end > limit || (uint64_t)base + end > c->mem_size) {
      snprintf(err, errlen, "segment at 0x%08x (%u bytes) does not fit in %u bytes of memory", s->addr,
               s->size, limit);
      return -1;
    }
    cpu_phys_write(c, base + s->addr, s->data, s->size);
  }
  return 0;
}
