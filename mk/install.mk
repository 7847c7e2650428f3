# mk/install.mk: `make install [PREFIX=/usr/local] [DESTDIR=]`.
#
#   PREFIX/bin/                 the programs in bin/ (vasm, vdis, vmm, vdb,
#                               and vgen, the random-kernel generator)
#   PREFIX/share/man/man1/      docs/man/*.1
#   PREFIX/share/vkit/guests/   the guest images: guestos.img,
#                               guestos-nospecial.img and the microbenchmarks
#                               bench-*.img (the man pages say so)
#
# `make uninstall` with the same PREFIX removes exactly those files, and
# the kit's own directory when it is left empty.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   := $(DESTDIR)$(PREFIX)/bin
MAN1DIR  := $(DESTDIR)$(PREFIX)/share/man/man1
GUESTDIR := $(DESTDIR)$(PREFIX)/share/vkit/guests
MANPAGES := $(wildcard docs/man/*.1)
INSTALL_GUESTS := $(filter $(G)/guestos% $(G)/bench-%,$(GUEST_IMAGES))

.PHONY: install uninstall
install: tools $(INSTALL_GUESTS)
	install -d $(BINDIR) $(MAN1DIR) $(GUESTDIR)
	install -m 755 bin/* $(BINDIR)/
	install -m 644 $(MANPAGES) $(MAN1DIR)/
	install -m 644 $(INSTALL_GUESTS) $(GUESTDIR)/

uninstall:
	rm -f $(addprefix $(BINDIR)/,$(notdir $(wildcard bin/*))) $(addprefix $(MAN1DIR)/,$(notdir $(MANPAGES)))
	rm -f $(addprefix $(GUESTDIR)/,$(notdir $(INSTALL_GUESTS)))
	@rmdir $(GUESTDIR) $(DESTDIR)$(PREFIX)/share/vkit 2>/dev/null || true
