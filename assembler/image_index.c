/* image_index.c: an image's symbols sorted, for the queries of image.h.
 *
 * An image may hold a million symbols (IMAGE_MAX_SYMS).  A query that
 * scans them all is fine once, and quadratic when a lister asks once per
 * instruction or per symbol: vdis took 42 s for 100,000 symbols that way.
 * So the index keeps the symbol numbers in two orders and every query is a
 * binary search:
 *
 *   by_addr[]  address, then file order           image_symbol_at, _after,
 *   best[]     for each place in by_addr, the     image_by_addr
 *              symbol image_symbol_at answers
 *              for that address
 *   by_name[]  name, then file order              image_find, image_lookup
 *
 *   by_addr:  0x1000 start(g)  0x1000 loop  0x1008 end  0x2000 msg
 *   best:     start            start        end         msg
 *
 * best[] exists because at one address a global wins over the locals
 * before it: the run of one address is resolved once, when the index is
 * built, not at each query.
 *
 * The sorts are a merge sort (stable, so file order survives among equal
 * keys, and n log n comparisons whatever the input).  Every comparison is
 * counted in `steps`, so a test can check the cost of loading and listing
 * without timing anything.
 *
 * Invariant: img->idx is current (idx->n == img->nsyms, same symbols) or
 * NULL.  image_add_sym drops it; image_build_index and image_read build it. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

struct image_index {
  int n;
  int *by_addr, *best, *by_name;
  uint64_t steps; /* comparisons made building and searching */
};

/* ---- building ---- */

typedef int (*sym_cmp)(const image *img, int a, int b);

static int by_addr_cmp(const image *img, int a, int b) {
  uint32_t x = img->syms[a].addr, y = img->syms[b].addr;
  return x < y ? -1 : x > y;
}

static int by_name_cmp(const image *img, int a, int b) { return strcmp(img->syms[a].name, img->syms[b].name); }

/* Sort v[0..n) with tmp as scratch: a bottom-up merge sort, stable. */
static void merge_sort(const image *img, int *v, int *tmp, int n, sym_cmp cmp, uint64_t *steps) {
  for (int width = 1; width < n; width *= 2) {
    for (int lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      int i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        ++*steps;
        tmp[k++] = cmp(img, v[j], v[i]) < 0 ? v[j++] : v[i++]; /* ties: the left one, the earlier */
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    memcpy(v, tmp, (size_t)n * sizeof *v);
  }
}

void image_unindex(image *img) {
  if (!img->idx) return;
  free(img->idx->by_addr);
  free(img->idx->best);
  free(img->idx->by_name);
  free(img->idx);
  img->idx = NULL;
}

int image_build_index(image *img) {
  image_unindex(img);
  int n = img->nsyms;
  size_t bytes = (size_t)(n ? n : 1) * sizeof(int);
  image_index *x = calloc(1, sizeof *x);
  int *tmp = malloc(bytes);
  if (x) {
    x->by_addr = malloc(bytes);
    x->best = malloc(bytes);
    x->by_name = malloc(bytes);
  }
  if (!x || !tmp || !x->by_addr || !x->best || !x->by_name) {
    if (x) free(x->by_addr), free(x->best), free(x->by_name);
    free(x);
    free(tmp);
    return -1;
  }
  x->n = n;
  for (int i = 0; i < n; i++) x->by_addr[i] = x->by_name[i] = i;
  merge_sort(img, x->by_addr, tmp, n, by_addr_cmp, &x->steps);
  merge_sort(img, x->by_name, tmp, n, by_name_cmp, &x->steps);
  free(tmp);
  /* best[]: one pass over each run of equal addresses. */
  for (int lo = 0, hi; lo < n; lo = hi) {
    uint32_t a = img->syms[x->by_addr[lo]].addr;
    int pick = x->by_addr[lo];
    for (hi = lo + 1; hi < n && img->syms[x->by_addr[hi]].addr == a; hi++)
      if (img->syms[x->by_addr[hi]].global && !img->syms[pick].global) pick = x->by_addr[hi];
    for (int k = lo; k < hi; k++) x->best[k] = pick;
    x->steps += (uint64_t)(hi - lo);
  }
  img->idx = x;
  return 0;
}

uint64_t image_index_steps(const image *img) { return img->idx ? img->idx->steps : 0; }

void image_index_charge(const image *img, const image *part) {
  if (img->idx && part->idx) img->idx->steps += part->idx->steps;
}

const int *image_by_addr(const image *img) { return img->idx ? img->idx->by_addr : NULL; }

/* ---- searching: binary searches on the index, or scans without one ---- */

/* The number of places in by_addr whose address is <= addr. */
static int addr_rank(const image *img, uint32_t addr) {
  image_index *x = img->idx;
  int lo = 0, hi = x->n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    uint32_t a = img->syms[x->by_addr[mid]].addr;
    x->steps++;
    if (a <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const char *image_symbol_at(const image *img, uint32_t addr, uint32_t *offset) {
  const image_sym *best = NULL;
  if (img->idx) {
    int k = addr_rank(img, addr);
    if (k > 0) best = &img->syms[img->idx->best[k - 1]];
  } else {
    for (int i = 0; i < img->nsyms; i++) {
      const image_sym *s = &img->syms[i];
      if (s->addr > addr) continue;
      if (!best || s->addr > best->addr || (s->addr == best->addr && s->global && !best->global)) best = s;
    }
  }
  if (!best) return NULL;
  if (offset) *offset = addr - best->addr;
  return best->name;
}

uint32_t image_symbol_after(const image *img, uint32_t addr) {
  if (img->idx) {
    int k = addr_rank(img, addr);
    return k < img->idx->n ? img->syms[img->idx->by_addr[k]].addr : 0;
  }
  uint32_t best = 0;
  for (int i = 0; i < img->nsyms; i++)
    if (img->syms[i].addr > addr && (!best || img->syms[i].addr < best)) best = img->syms[i].addr;
  return best;
}

const image_sym *image_find(const image *img, const char *name) {
  if (!img->idx) {
    for (int i = 0; i < img->nsyms; i++)
      if (strcmp(img->syms[i].name, name) == 0) return &img->syms[i];
    return NULL;
  }
  image_index *x = img->idx;
  int lo = 0, hi = x->n; /* the first place whose name is >= name */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    x->steps++;
    if (strcmp(img->syms[x->by_name[mid]].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < x->n && strcmp(img->syms[x->by_name[lo]].name, name) == 0) return &img->syms[x->by_name[lo]];
  return NULL;
}

int image_lookup(const image *img, const char *name, uint32_t *addr) {
  const image_sym *s = image_find(img, name);
  if (!s) return -1;
  if (addr) *addr = s->addr;
  return 0;
}
