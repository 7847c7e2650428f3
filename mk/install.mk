# mk/install.mk: `make install [PREFIX=/usr/local] [DESTDIR=]`.
#
#   PREFIX/bin/                 the programs in bin/ (vasm, vdis, vmm, vdb,
#                               and vgen, the random-kernel generator)
#   PREFIX/share/man/man1/      docs/man/*.1
#
# `make uninstall` with the same PREFIX removes exactly those files.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   := $(DESTDIR)$(PREFIX)/bin
MAN1DIR  := $(DESTDIR)$(PREFIX)/share/man/man1
MANPAGES := $(wildcard docs/man/*.1)

.PHONY: install uninstall
install: tools
	install -d $(BINDIR) $(MAN1DIR)
	install -m 755 bin/* $(BINDIR)/
	install -m 644 $(MANPAGES) $(MAN1DIR)/

uninstall:
	rm -f $(addprefix $(BINDIR)/,$(notdir $(wildcard bin/*))) $(addprefix $(MAN1DIR)/,$(notdir $(MANPAGES)))
