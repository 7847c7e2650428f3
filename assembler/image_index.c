/* image_index.c: an image's symbols sorted, for the queries of image.h.
 *
 * An image may hold a million symbols (IMAGE_MAX_SYMS).  A query that
 * scans them all is fine once, and quadratic when a lister asks once per
 * instruction or per symbol: vdis took 42 s for 100,000 symbols that way.
 * So the index keeps the symbol numbers in two orders, and a query by
 * address is a table look-up and a short search:
 *
 *   by_addr[]  address, then file order           image_symbol_at, _after,
 *   at[]       for each place in by_addr, its     image_by_addr
 *              address and the name
 *              image_symbol_at answers there
 *   bucket[]   addresses cut into equal ranges:
 *              the places before each range
 *   by_name[]  name, then file order              image_find, image_lookup,
 *              (built at the first of those)      image_by_name
 *
 *   by_addr:  0x1000 start(g)  0x1000 loop  0x1008 end  0x2000 msg
 *   at.best:  start            start        end         msg
 *
 * at[].best exists because at one address a global wins over the locals
 * before it: the run of one address is resolved once, when the index is
 * built, not at each query.
 *
 * A lister asks once per branch, at random places of a big image, so a
 * query must not wander.  The buckets split [lowest, highest address]
 * into at most n ranges of 2^shift bytes; bucket[b] counts the places
 * below range b, so the places of range b are at[bucket[b] .. bucket[b+1]):
 *
 *   shift 4, base 0x1000:  range 0 = 0x1000..0x100f, range 1 = 0x1010..
 *   query 0x1014: b = (0x1014 - 0x1000) >> 4 = 1, search at[bucket[1] ..
 *                 bucket[2]) only
 *
 * With symbols spread evenly (code, mostly) a range holds about one
 * place: a query is two or three memory reads, whatever n.  Crowded into
 * one range they cost a binary search there, O(log n), never more.
 *
 * The sorts are a natural merge sort (stable, so file order survives
 * among equal keys, and n log n comparisons whatever the input; about n
 * for input in order or nearly, as an image's symbols mostly are by
 * address).  Names are sorted only when a query needs them: a program
 * that runs an image, or a lister, never looks a name up.  Every comparison and probe is
 * counted in `steps`, so a test can check the cost of loading and listing
 * without timing anything.
 *
 * Invariant: img->idx is current (idx->n == img->nsyms, same symbols) or
 * NULL.  image_add_sym drops it; image_build_index and image_read build it. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* One place in address order: what a query by address reads, together. */
typedef struct place {
  uint32_t addr;
  const char *best; /* the name image_symbol_at answers at addr */
} place;

struct image_index {
  int n;
  int *by_addr, *by_name;
  place *at;
  int *bucket;      /* nbucket + 1 counts: places below each range, n last */
  uint32_t base;    /* the lowest address: range 0 starts there */
  int shift;        /* a range is 2^shift bytes */
  uint32_t nbucket; /* ranges, at most max(n, 1) */
  uint64_t steps;   /* comparisons and probes made building and searching */
};

/* ---- building ---- */

typedef int (*sym_cmp)(const image *img, int a, int b);

static int by_addr_cmp(const image *img, int a, int b) {
  uint32_t x = img->syms[a].addr, y = img->syms[b].addr;
  return x < y ? -1 : x > y;
}

static int by_name_cmp(const image *img, int a, int b) { return strcmp(img->syms[a].name, img->syms[b].name); }

/* Where the run of v in order from lo ends. */
static int run_end(const image *img, const int *v, int lo, int n, sym_cmp cmp, uint64_t *steps) {
  int i = lo + 1;
  while (i < n && (++*steps, cmp(img, v[i - 1], v[i]) <= 0)) i++;
  return i;
}

/* Sort v[0..n) with tmp as scratch: a natural merge sort, stable.  Each
 * pass merges the runs already in order two by two, so k runs take log k
 * passes: one for input in order, two for an ELF symbol table (its locals,
 * then its globals, each in address order), log n at worst. */
static void merge_sort(const image *img, int *v, int *tmp, int n, sym_cmp cmp, uint64_t *steps) {
  while (run_end(img, v, 0, n, cmp, steps) < n) {
    for (int lo = 0; lo < n;) {
      int mid = run_end(img, v, lo, n, cmp, steps), hi = mid < n ? run_end(img, v, mid, n, cmp, steps) : n;
      int i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        ++*steps;
        tmp[k++] = cmp(img, v[j], v[i]) < 0 ? v[j++] : v[i++]; /* ties: the left one, the earlier */
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
      lo = hi;
    }
    memcpy(v, tmp, (size_t)n * sizeof *v);
  }
}

void image_unindex(image *img) {
  if (!img->idx) return;
  free(img->idx->by_addr);
  free(img->idx->by_name);
  free(img->idx->at);
  free(img->idx->bucket);
  free(img->idx);
  img->idx = NULL;
}

/* The ranges: as narrow as 2^shift bytes can be with at most n of them
 * over [base, highest address], and the places below each. */
static int build_buckets(image_index *x) {
  int n = x->n;
  uint64_t span = n ? x->at[n - 1].addr - x->at[0].addr : 0;
  x->base = n ? x->at[0].addr : 0;
  x->shift = 0;
  while ((span >> x->shift) >= (uint64_t)(n ? n : 1)) x->shift++;
  x->nbucket = n ? (uint32_t)(span >> x->shift) + 1 : 0;
  x->bucket = malloc(((size_t)x->nbucket + 1) * sizeof *x->bucket);
  if (!x->bucket) return -1;
  int k = 0;
  for (uint32_t b = 0; b <= x->nbucket; b++) {
    uint64_t start = (uint64_t)x->base + ((uint64_t)b << x->shift);
    while (k < n && x->at[k].addr < start) k++;
    x->bucket[b] = k;
  }
  x->steps += (uint64_t)n + x->nbucket + 1;
  return 0;
}

int image_build_index(image *img) {
  image_unindex(img);
  int n = img->nsyms;
  size_t count = (size_t)(n ? n : 1);
  image_index *x = calloc(1, sizeof *x);
  int *tmp = malloc(count * sizeof *tmp);
  if (x) {
    x->by_addr = malloc(count * sizeof *x->by_addr);
    x->at = malloc(count * sizeof *x->at);
  }
  if (!x || !tmp || !x->by_addr || !x->at) {
    if (x) free(x->by_addr), free(x->at);
    free(x);
    free(tmp);
    return -1;
  }
  x->n = n;
  for (int i = 0; i < n; i++) x->by_addr[i] = i;
  merge_sort(img, x->by_addr, tmp, n, by_addr_cmp, &x->steps);
  free(tmp);
  /* at[]: one pass over each run of equal addresses. */
  for (int lo = 0, hi; lo < n; lo = hi) {
    uint32_t a = img->syms[x->by_addr[lo]].addr;
    int pick = x->by_addr[lo];
    for (hi = lo + 1; hi < n && img->syms[x->by_addr[hi]].addr == a; hi++)
      if (img->syms[x->by_addr[hi]].global && !img->syms[pick].global) pick = x->by_addr[hi];
    for (int k = lo; k < hi; k++) x->at[k] = (place){a, img->syms[pick].name};
    x->steps += (uint64_t)(hi - lo);
  }
  img->idx = x;
  if (build_buckets(x) != 0) {
    image_unindex(img);
    return -1;
  }
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

/* ---- the first symbol of each name ---- */

/* FNV-1a, 32 bits: equal names hash equal, and unequal names rarely do. */
static uint32_t name_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* Equal names are found by hash, not by sorting the names: the marked
 * symbols, as (hash, number) pairs, sorted by hash (image_keysort keeps the
 * file's order among equal hashes).  A run of one hash is one name unless
 * two names collide, so only runs longer than one are sorted by name
 * (stable again) to find the first of each.  Names mostly differ: about n
 * steps then, and n log n at worst (a crafted file whose names all
 * collide), never more. */
int image_first_of_names(const image *img, bool *mark) {
  size_t m = 0;
  for (int i = 0; i < img->nsyms; i++) m += mark[i];
  uint64_t *v = malloc((m ? m : 1) * sizeof *v), *tmp = malloc((m ? m : 1) * sizeof *tmp);
  if (!v || !tmp) {
    free(v);
    free(tmp);
    return -1;
  }
  uint64_t steps = (uint64_t)img->nsyms;
  for (int i = 0, k = 0; i < img->nsyms; i++)
    if (mark[i]) v[k++] = (uint64_t)name_hash(img->syms[i].name) << 32 | (uint32_t)i;
  image_keysort(v, tmp, m, &steps);
  for (size_t lo = 0, hi; lo < m; lo = hi) {
    for (hi = lo + 1; hi < m && v[hi] >> 32 == v[lo] >> 32; hi++) steps++;
    if (hi - lo == 1) continue;
    int r = (int)(hi - lo), *run = (int *)tmp, *scratch = run + r; /* tmp holds 2m ints */
    for (int k = 0; k < r; k++) run[k] = (int)(uint32_t)v[lo + (size_t)k];
    merge_sort(img, run, scratch, r, by_name_cmp, &steps);
    for (int k = 1; k < r; k++, steps++)
      if (strcmp(img->syms[run[k - 1]].name, img->syms[run[k]].name) == 0) mark[run[k]] = false;
  }
  free(v);
  free(tmp);
  image_index_charge(img, steps);
  return 0;
}

/* ---- searching: binary searches on the index, or scans without one ---- */

/* The number of places in by_addr whose address is <= addr: the range
 * holding addr bounds it, a binary search in the range finishes it. */
static int addr_rank(const image *img, uint32_t addr) {
  image_index *x = img->idx;
  x->steps++;
  if (x->n == 0 || addr < x->base) return 0;
  uint32_t b = (addr - x->base) >> x->shift;
  if (b >= x->nbucket) return x->n; /* above the highest */
  int lo = x->bucket[b], hi = x->bucket[b + 1];
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    x->steps++;
    if (x->at[mid].addr <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const char *image_symbol_at(const image *img, uint32_t addr, uint32_t *offset) {
  if (img->idx) {
    int k = addr_rank(img, addr);
    if (k == 0) return NULL;
    if (offset) *offset = addr - img->idx->at[k - 1].addr;
    return img->idx->at[k - 1].best;
  }
  const image_sym *best = NULL;
  for (int i = 0; i < img->nsyms; i++) {
    const image_sym *s = &img->syms[i];
    if (s->addr > addr) continue;
    if (!best || s->addr > best->addr || (s->addr == best->addr && s->global && !best->global)) best = s;
  }
  if (!best) return NULL;
  if (offset) *offset = addr - best->addr;
  return best->name;
}

uint32_t image_symbol_after(const image *img, uint32_t addr) {
  if (img->idx) {
    int k = addr_rank(img, addr);
    return k < img->idx->n ? img->idx->at[k].addr : 0;
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

/* ---- the sort ---- */

/* image_keysort: a least-significant-digit radix sort (Knuth, TAOCP vol. 3,
 * 5.2.5).  Each pass distributes the words by one byte of the key into 256
 * runs, kept in their order within a run, so after the pass for the top
 * byte they are in key order, and equal keys in their first order.
 *
 * Why not a comparison sort: a million keys take 20 passes of merging,
 * each with a branch the processor cannot guess; these four passes read
 * and write the words in order, which the caches like. */
void image_keysort(uint64_t *v, uint64_t *tmp, size_t n, uint64_t *steps) {
  if (n < 2) return;
  for (int shift = 32; shift < 64; shift += 8) {
    size_t start[257] = {0}; /* start[b + 1]: words whose byte is b; then where run b starts */
    for (size_t i = 0; i < n; i++) start[(v[i] >> shift & 255) + 1]++;
    if (start[(v[0] >> shift & 255) + 1] == n) { /* all one byte value: nothing moves */
      *steps += n;
      continue;
    }
    for (int b = 0; b < 256; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) tmp[start[v[i] >> shift & 255]++] = v[i];
    memcpy(v, tmp, n * sizeof *v);
    *steps += 2 * (uint64_t)n;
  }
}
