/* isa_doc.h: the generator of docs/isa.md (run as `vasm --isa-doc`). */
#ifndef ISA_DOC_H
#define ISA_DOC_H

#include <stdio.h>

/* Write the whole ISA document, in Markdown, from the tables of isa.h. */
void isa_doc_write(FILE *f);

#endif
