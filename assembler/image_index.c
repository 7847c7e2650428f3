/* image_index.c: an image's symbols sorted, for the queries of image.h.
 *
 * An image may hold a million symbols (IMAGE_MAX_SYMS).  A query that
 * scans them all is fine once, and quadratic when a lister asks once per
 * instruction or per symbol: vdis took 42 s for 100,000 symbols that way.
 * So the index keeps the symbol numbers in two orders and every query is a
 * binary search:
 *
 *   by_addr[]  address, then file order           image_symbol_at, _after,
 *   addrs[]    the addresses in that order,       image_by_addr
 *   top[]      and every 16th of them
 *   best[]     for each place in by_addr, the
 *              name image_symbol_at answers
 *              for that address
 *   by_name[]  name, then file order              image_find, image_lookup,
 *              (built at the first of those)      image_by_name
 *
 *   by_addr:  0x1000 start(g)  0x1000 loop  0x1008 end  0x2000 msg
 *   best:     start            start        end         msg
 *
 * best[] exists because at one address a global wins over the locals
 * before it: the run of one address is resolved once, when the index is
 * built, not at each query.  A lister asks once per branch, at random
 * places of a big image, so the search is laid out for the cache: top[]
 * (every 16th address: 256 KiB for a million symbols) finds the block,
 * one cache line of addrs[] finishes it, and best[] holds the name itself.
 * (Searching through by_addr into the symbols, two cache misses a step,
 * was most of a listing's time for a million symbols.)
 *
 * The sorts are a merge sort (stable, so file order survives among equal
 * keys, and n log n comparisons whatever the input; n for input already
 * in order, as an assembler's symbols mostly are by address).  Names are
 * sorted only when a query needs them: a program that runs an image, or
 * a lister's own table of labels, never looks a name up.  Every comparison is
 * counted in `steps`, so a test can check the cost of loading and listing
 * without timing anything.
 *
 * Invariant: img->idx is current (idx->n == img->nsyms, same symbols) or
 * NULL.  image_add_sym drops it; image_build_index and image_read build it. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define TOP_EVERY 16 /* addresses: one 64-byte cache line */

struct image_index {
  int n, ntop;
  int *by_addr, *by_name;
  const char **best;
  uint32_t *addrs, *top;
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
  bool sorted = true;
  for (int i = 1; i < n && sorted; i++, ++*steps) sorted = cmp(img, v[i - 1], v[i]) <= 0;
  if (sorted) return;
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
  free(img->idx->addrs);
  free(img->idx->top);
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
    x->ntop = (n + TOP_EVERY - 1) / TOP_EVERY;
    x->by_addr = malloc(bytes);
    x->best = malloc((size_t)(n ? n : 1) * sizeof *x->best);
    x->addrs = malloc(bytes);
    x->top = malloc((size_t)(x->ntop ? x->ntop : 1) * sizeof *x->top);
  }
  if (!x || !tmp || !x->by_addr || !x->best || !x->addrs || !x->top) {
    if (x) free(x->by_addr), free(x->best), free(x->addrs), free(x->top);
    free(x);
    free(tmp);
    return -1;
  }
  x->n = n;
  for (int i = 0; i < n; i++) x->by_addr[i] = i;
  merge_sort(img, x->by_addr, tmp, n, by_addr_cmp, &x->steps);
  free(tmp);
  for (int i = 0; i < n; i++) x->addrs[i] = img->syms[x->by_addr[i]].addr;
  for (int j = 0; j < x->ntop; j++) x->top[j] = x->addrs[j * TOP_EVERY];
  /* best[]: one pass over each run of equal addresses. */
  for (int lo = 0, hi; lo < n; lo = hi) {
    uint32_t a = img->syms[x->by_addr[lo]].addr;
    int pick = x->by_addr[lo];
    for (hi = lo + 1; hi < n && img->syms[x->by_addr[hi]].addr == a; hi++)
      if (img->syms[x->by_addr[hi]].global && !img->syms[pick].global) pick = x->by_addr[hi];
    for (int k = lo; k < hi; k++) x->best[k] = img->syms[pick].name;
    x->steps += (uint64_t)(hi - lo);
  }
  img->idx = x;
  return 0;
}

uint64_t image_index_steps(const image *img) { return img->idx ? img->idx->steps : 0; }

void image_index_charge(const image *img, uint64_t steps) {
  if (img->idx) img->idx->steps += steps;
}

const int *image_by_addr(const image *img) { return img->idx ? img->idx->by_addr : NULL; }

/* by_name, sorted at the first query that needs it (the index is a cache
 * behind a pointer, so a query of a const image may complete it); NULL
 * without an index or out of memory. */
const int *image_by_name(const image *img) {
  image_index *x = img->idx;
  if (!x || x->by_name) return x ? x->by_name : NULL;
  size_t bytes = (size_t)(x->n ? x->n : 1) * sizeof(int);
  int *v = malloc(bytes), *tmp = malloc(bytes);
  if (v && tmp) {
    for (int i = 0; i < x->n; i++) v[i] = i;
    merge_sort(img, v, tmp, x->n, by_name_cmp, &x->steps);
    x->by_name = v;
    v = NULL;
  }
  free(v);
  free(tmp);
  return x->by_name;
}

/* ---- searching: binary searches on the index, or scans without one ---- */

/* The number of values <= addr in the sorted v[lo..hi). */
static int count_upto(const uint32_t *v, int lo, int hi, uint32_t addr, uint64_t *steps) {
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    ++*steps;
    if (v[mid] <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The number of places in by_addr whose address is <= addr: top[] picks
 * the block (every address from the next block's first on is above addr),
 * then the block's 16. */
static int addr_rank(const image *img, uint32_t addr) {
  image_index *x = img->idx;
  int t = count_upto(x->top, 0, x->ntop, addr, &x->steps);
  if (t == 0) return 0;
  int end = t * TOP_EVERY < x->n ? t * TOP_EVERY : x->n;
  return count_upto(x->addrs, (t - 1) * TOP_EVERY, end, addr, &x->steps);
}

const char *image_symbol_at(const image *img, uint32_t addr, uint32_t *offset) {
  const image_sym *best = NULL;
  if (img->idx) {
    int k = addr_rank(img, addr);
    if (k == 0) return NULL;
    if (offset) *offset = addr - img->idx->addrs[k - 1];
    return img->idx->best[k - 1];
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
    return k < img->idx->n ? img->idx->addrs[k] : 0;
  }
  uint32_t best = 0;
  for (int i = 0; i < img->nsyms; i++)
    if (img->syms[i].addr > addr && (!best || img->syms[i].addr < best)) best = img->syms[i].addr;
  return best;
}

const image_sym *image_find(const image *img, const char *name) {
  const int *by_name = image_by_name(img);
  if (!by_name) {
    for (int i = 0; i < img->nsyms; i++)
      if (strcmp(img->syms[i].name, name) == 0) return &img->syms[i];
    return NULL;
  }
  image_index *x = img->idx;
  int lo = 0, hi = x->n; /* the first place whose name is >= name */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    x->steps++;
    if (strcmp(img->syms[by_name[mid]].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < x->n && strcmp(img->syms[by_name[lo]].name, name) == 0) return &img->syms[by_name[lo]];
  return NULL;
}

int image_lookup(const image *img, const char *name, uint32_t *addr) {
  const image_sym *s = image_find(img, name);
  if (!s) return -1;
  if (addr) *addr = s->addr;
  return 0;
}
