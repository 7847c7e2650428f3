# The deps step: Debian packages the kit needs.  As root it installs what is
# missing with apt-get; otherwise it prints the exact command to run.
DEB_PACKAGES := check pkg-config libreadline-dev graphviz unifdef man-db clang libclang-rt-14-dev

.PHONY: deps
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "deps: missing Debian packages:$$missing"; \
	    echo "deps: run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
