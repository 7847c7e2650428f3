/* vdb_dot.c: pictures of the tables, as graphviz files.
 *
 *   dot pt FILE      guest-virtual -> guest-physical -> host-physical,
 *                    through the guest's own page table
 *   dot shadow FILE  guest-virtual -> host-physical through each shadow
 *                    root, drawn over the guest's own path (dashed); an
 *                    edge that is stale against the guest's view is red,
 *                    one write-protected until the guest's D bit is orange
 *   dot tlb FILE     the TLB's entries, virtual page -> physical page
 *   dot npt FILE     the nested table: guest-physical -> host-physical
 *                    (hardware assist with nested paging)
 *
 * Three columns (clusters), one per address space, left to right.  Runs
 * of consecutive pages with the same permissions are one node, so an
 * identity map of all memory is one box, not 256.  Edges carry the
 * permissions: r w x, user or kernel, and the A and D bits; the guest's
 * own path and the base are drawn by their style alone, and every picture
 * ends with a legend of its styles and colors.  So labels stay few and
 * short: tests/vmm/vdb checks with graphviz that none overlaps another
 * at the default size.  The font is Courier, whose widths graphviz knows
 * even without the font (the browser edition's graphviz has none) and
 * which every browser draws in a monospace font of those widths, so a
 * label fits its box wherever it is drawn.  `dot -Tsvg FILE > out.svg`
 * renders it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vdb.h"

enum { COL_GV, COL_GP, COL_HP, NCOLS };

typedef struct node {
  int col;
  uint32_t start, pages;
} node;

/* A line of the legend: how an edge is drawn, and what it means. */
typedef struct legend_line {
  const char *color; /* a graphviz color name */
  const char *line;  /* "line", "dashed line", "dotted line" */
  char what[96];
} legend_line;

#define LEGEND_MAX 8

typedef struct graph {
  FILE *f;
  node *n;
  int nn, cap;
  legend_line legend[LEGEND_MAX];
  int nlegend;
} graph;

/* The node for a range in a column, made on first use. */
static int node_at(graph *g, int col, uint32_t start, uint32_t pages) {
  for (int i = 0; i < g->nn; i++)
    if (g->n[i].col == col && g->n[i].start == start && g->n[i].pages == pages) return i;
  if (g->nn == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 32;
    node *p = realloc(g->n, sizeof *p * (size_t)g->cap);
    if (!p) cpu_panic("dot: out of host memory");
    g->n = p;
  }
  g->n[g->nn] = (node){col, start, pages};
  return g->nn++;
}

static void legend(graph *g, const char *color, const char *line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void legend(graph *g, const char *color, const char *line, const char *fmt, ...) {
  if (g->nlegend == LEGEND_MAX) cpu_panic("dot: legend: too many lines");
  legend_line *l = &g->legend[g->nlegend++];
  l->color = color;
  l->line = line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->what, sizeof l->what, fmt, ap);
  va_end(ap);
}

static void perm_label(uint32_t bits, char *buf, size_t len) {
  snprintf(buf, len, "r%sx %s%s%s", bits & PTE_W ? "w" : "-", bits & PTE_U ? "user" : "kernel",
           bits & PTE_A ? " A" : "", bits & PTE_D ? " D" : "");
}

static void head(graph *g, const vdb_target *t, const char *what) {
  fprintf(g->f, "// vdb: %s of vm %d (%s, %s) at tick %llu\n", what, t->id, t->mode->name, t->path,
          (unsigned long long)target_now(t));
  fprintf(g->f, "digraph vdb {\n  rankdir=LR;\n  node [shape=box, fontname=\"Courier\", fontsize=10];\n");
  fprintf(g->f, "  edge [fontname=\"Courier\", fontsize=9];\n");
  fprintf(g->f, "  labelloc=t;\n  label=\"%s: vm %d (%s mode) at tick %llu\";\n", what, t->id, t->mode->name,
          (unsigned long long)target_now(t));
}

static void edge(graph *g, int from, int to, const char *label, const char *style) {
  fprintf(g->f, "  n%d -> n%d [label=\"%s\"%s%s];\n", from, to, label, *style ? ", " : "", style);
}

/* Text inside an HTML-like label: < > & escaped. */
static void html_text(FILE *f, const char *s) {
  for (; *s; s++)
    fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : (char[2]){*s, 0}, f);
}

/* The clusters, with every node; the legend; the closing brace.  The
 * legend is one node, a table of text: each line says how an edge is
 * drawn, in its color, and what it means. */
static void tail(graph *g, const char *const names[NCOLS]) {
  for (int col = 0; col < NCOLS; col++) {
    bool any = false;
    for (int i = 0; i < g->nn; i++)
      any |= g->n[i].col == col;
    if (!any) continue;
    fprintf(g->f, "  subgraph cluster_%d {\n    label=\"%s\";\n", col, names[col]);
    for (int i = 0; i < g->nn; i++) {
      const node *n = &g->n[i];
      if (n->col != col) continue;
      uint32_t last = n->start + n->pages * PAGE_SIZE - 1;
      fprintf(g->f, "    n%d [label=\"0x%08x-0x%08x\\n%u page%s\"];\n", i, n->start, last, n->pages,
              n->pages == 1 ? "" : "s");
    }
    fprintf(g->f, "  }\n");
  }
  fprintf(g->f, "  legend [shape=plaintext, fontsize=9, label=<<table border=\"1\" cellborder=\"0\" "
                "cellspacing=\"0\" cellpadding=\"2\">\n");
  fprintf(g->f, "    <tr><td align=\"left\"><b>legend</b></td></tr>\n");
  for (int i = 0; i < g->nlegend; i++) {
    fprintf(g->f, "    <tr><td align=\"left\"><font color=\"%s\">%s %s</font>: ", g->legend[i].color,
            g->legend[i].color, g->legend[i].line);
    html_text(g->f, g->legend[i].what);
    fprintf(g->f, "</td></tr>\n");
  }
  fprintf(g->f, "    <tr><td align=\"left\">boxes: runs of pages, first-last address</td></tr>\n");
  fprintf(g->f, "    <tr><td align=\"left\">edge labels: r w x (read, write, execute), user or kernel,</td></tr>\n");
  fprintf(g->f, "    <tr><td align=\"left\">A accessed, D dirty</td></tr>\n  </table>>];\n}\n");
}

/* The dotted edge from guest-physical to host-physical: where the
 * monitor put guest memory (no label: the legend says it). */
static void base_edge(graph *g, const vdb_target *t, int p, uint32_t gpa, uint32_t pages, const char *color) {
  char style[48];
  snprintf(style, sizeof style, "style=dotted, color=%s", color);
  edge(g, p, node_at(g, COL_HP, t->gbase + gpa, pages), "", style);
}

static void dot_pt(graph *g, const vdb_target *t, const char *const names[NCOLS]) {
  vdb_regs r;
  target_regs(t, &r);
  bool monitor = mode_is_monitor(t->mode);
  head(g, t, "the guest's page table");
  legend(g, "black", "line", "the guest's page table: %s -> %s", monitor ? "guest-virtual" : "virtual",
         monitor ? "guest-physical" : "physical");
  if (monitor) legend(g, "black", "dotted line", "guest memory at host-physical base 0x%x", t->gbase);
  if (!(r.cr[CR_PAGING] & 1)) {
    fprintf(g->f, "  note [shape=note, label=\"guest paging is off:\\nguest-virtual = guest-physical\"];\n");
    int v = node_at(g, COL_GV, 0, t->gsize / PAGE_SIZE), p = node_at(g, COL_GP, 0, t->gsize / PAGE_SIZE);
    edge(g, v, p, "identity", "");
    if (monitor) base_edge(g, t, p, 0, t->gsize / PAGE_SIZE, "black");
    tail(g, names);
    return;
  }
  pt_run *runs;
  int n = pt_runs(t->c->mem + t->gbase, t->gsize, r.cr[CR_PTB], &runs);
  for (int i = 0; i < n; i++) {
    char label[64];
    perm_label(runs[i].bits, label, sizeof label);
    int v = node_at(g, COL_GV, runs[i].va, runs[i].pages), p = node_at(g, COL_GP, runs[i].pa, runs[i].pages);
    edge(g, v, p, label, "");
    if (monitor) base_edge(g, t, p, runs[i].pa, runs[i].pages, "black");
  }
  free(runs);
  if (!n) fprintf(g->f, "  note [shape=note, label=\"no valid mappings\"];\n");
  tail(g, names);
}

static void dot_shadow(graph *g, const vdb_target *t, const char *const names[NCOLS]) {
  static const char *const colors[] = {"blue", "darkgreen", "purple", "brown"};
  vdb_root roots[4];
  int nr = t->mode->shadow_roots(&t->g, roots, 4);
  head(g, t, "the shadow page tables");
  for (int k = 0; k < nr; k++)
    legend(g, colors[k % 4], "line", "a shadow entry of the %s root, as the guest's", roots[k].name);
  legend(g, "orange", "line", "read-only until the guest's first write sets D");
  legend(g, "red", "line", "stale: the guest changed its table since");
  legend(g, "gray", "dashed line", "the guest's own page table");
  legend(g, "gray", "dotted line", "guest memory at host-physical base 0x%x", t->gbase);
  for (int k = 0; k < nr; k++) {
    shadow_run *runs;
    int n = shadow_runs(t, roots[k].pd, &runs);
    for (int i = 0; i < n; i++) {
      char label[96], style[64];
      perm_label(runs[i].bits, label, sizeof label);
      /* Agrees: the root's color; deliberately different (write-protected
       * until dirty): orange; stale: red. */
      const char *color = runs[i].verdict == shadow_agrees            ? colors[k % 4]
                          : strncmp(runs[i].verdict, "stale", 5) == 0 ? "red"
                                                                      : "orange";
      snprintf(style, sizeof style, "color=%s, fontcolor=%s", color, color);
      int v = node_at(g, COL_GV, runs[i].va, runs[i].pages);
      edge(g, v, node_at(g, COL_HP, runs[i].hpa, runs[i].pages), label, style);
      /* The guest's own path for the same pages, when it maps them. */
      pt_walk w;
      bool paging;
      if (mem_guest_walk(t, runs[i].va, &w, &paging)) {
        int p = node_at(g, COL_GP, w.pa & ~PAGE_MASK, runs[i].pages);
        edge(g, v, p, "", "style=dashed, color=gray");
        base_edge(g, t, p, w.pa & ~PAGE_MASK, runs[i].pages, "gray");
      }
    }
    free(runs);
  }
  tail(g, names);
}

static void dot_npt(graph *g, const vdb_target *t, const vdb_root *roots, int n, const char *const names[NCOLS]) {
  head(g, t, "the nested page table");
  legend(g, "black", "line", "a nested table entry: guest-physical -> host-physical");
  for (int k = 0; k < n; k++) {
    pt_run *runs;
    int nr = pt_runs(t->c->mem, t->c->mem_size, roots[k].pd, &runs);
    for (int i = 0; i < nr; i++) {
      char label[64];
      perm_label(runs[i].bits, label, sizeof label);
      edge(g, node_at(g, COL_GP, runs[i].va, runs[i].pages), node_at(g, COL_HP, runs[i].pa, runs[i].pages), label, "");
    }
    free(runs);
  }
  tail(g, names);
}

static void dot_tlb(graph *g, const vdb_target *t, const char *const names[NCOLS]) {
  const cpu *c = t->c;
  head(g, t, "the TLB");
  legend(g, "black", "line", "a TLB entry [its index]: %s page -> %s page",
         mode_is_monitor(t->mode) ? "guest-virtual" : "virtual", mode_is_monitor(t->mode) ? "host-physical" : "physical");
  for (uint32_t i = 0; i < c->tlb_size; i++) {
    const tlb_entry *e = &c->tlb[i];
    if (!e->tag) continue;
    char label[64];
    snprintf(label, sizeof label, "[%u] ", i);
    perm_label(e->bits, label + strlen(label), sizeof label - strlen(label));
    edge(g, node_at(g, COL_GV, e->tag & ~PAGE_MASK, 1), node_at(g, COL_HP, e->ppn << PAGE_SHIFT, 1), label, "");
  }
  tail(g, names);
}

int cmd_dot(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  char what[16], path[4096];
  next_word(&args, what, sizeof what);
  snprintf(path, sizeof path, "%s", skip_ws(args));
  for (size_t n = strlen(path); n && (path[n - 1] == ' ' || path[n - 1] == '\t');)
    path[--n] = 0;
  enum { PT, SHADOW, NPT, TLB } kind;
  if (strcmp(what, "pt") == 0)
    kind = PT;
  else if (strcmp(what, "shadow") == 0)
    kind = SHADOW;
  else if (strcmp(what, "npt") == 0)
    kind = NPT;
  else if (strcmp(what, "tlb") == 0)
    kind = TLB;
  else
    return vdb_error(d, "Usage: dot pt|shadow|npt|tlb FILE.");
  /* Nothing to draw: say so, as info shadow and info npt do. */
  if (kind == SHADOW && !t->mode->shadow_roots) {
    vdb_printf(d, "%s\n", t->mode->no_shadow);
    return 0;
  }
  vdb_root nroots[4];
  int nn = kind == NPT && t->mode->npt_roots ? t->mode->npt_roots(&t->g, nroots, 4) : 0;
  if (kind == NPT && !nn) {
    vdb_printf(d, "%s\n", t->mode->no_npt);
    return 0;
  }
  for (int i = 0; i < d->ntg; i++) /* an input is never written (cli.h) */
    if (cli_same_file(path, d->tg[i]->path))
      return vdb_error(d, "%s: the image of vm %d, not an output.", path, d->tg[i]->id);
  cli_out o;
  char err[300];
  if (cli_out_open(&o, path, err, sizeof err) != 0) return vdb_error(d, "%s.", err);
  FILE *f = o.f; /* a temporary file, renamed over path once complete */
  graph g = {.f = f};
  static const char *const monitor_cols[NCOLS] = {"guest-virtual", "guest-physical", "host-physical"};
  static const char *const native_cols[NCOLS] = {"virtual", "physical (guest-physical = host-physical)",
                                                 "physical (guest-physical = host-physical)"};
  const char *const *names = mode_is_monitor(t->mode) ? monitor_cols : native_cols;
  if (kind == PT)
    dot_pt(&g, t, names);
  else if (kind == SHADOW)
    dot_shadow(&g, t, names);
  else if (kind == NPT)
    dot_npt(&g, t, nroots, nn, names);
  else
    dot_tlb(&g, t, mode_is_monitor(t->mode) ? (const char *const[]){"guest-virtual", "", "host-physical"} : names);
  free(g.n);
  if (cli_out_close(&o, err, sizeof err) != 0) return vdb_error(d, "%s.", err);
  vdb_printf(d, "Wrote %s (%s).\n", path, what);
  return 0;
}
