# mk/web.mk: the kit in the browser (docs/web.md).
#
#   make web         build/web/: a static site, one folder, no network at
#                    run time.  The kit's C (cpu/, assembler/, vmm/ with the
#                    debugger's command table, not its readline front end)
#                    and web/web.c, built by emcc into one JavaScript file
#                    with the WebAssembly and the bundled guests inside;
#                    xterm.js and Viz.js (graphviz) copied from npm.
#   make web-check   headless Chromium against build/web (web/check.js):
#                    every bundled guest in every mode against bin/vmm, an
#                    assembly error, debugger commands, every panel, the
#                    screenshots of docs/web.md.
#   make web-bench   the register loop in headless Chromium against the
#                    native build, measured in the same run (web/bench.js).
#
# The web targets need emscripten, node, npm and chromium (web-deps below
# installs them as root); nothing else in the kit does.

WEB      := build/web
WO       := build/web-obj
EMCC     ?= emcc
# Debian's emcc finds its acorn module through NODE_PATH when node comes
# from elsewhere than Debian's nodejs package.
EMENV    := NODE_PATH=/usr/share/nodejs
CHROMIUM ?= /usr/bin/chromium

# The page's sources: the kit less the programs' mains and the debugger's
# terminal (vdb_term.c) and command line (vdb_cli.c); plus the glue.
WEB_CSRC := $(LIBSRC) $(filter-out vmm/vdb/vdb_term.c vmm/vdb/vdb_cli.c,$(VDBSRC)) web/web.c
empty :=
space := $(empty) $(empty)
comma := ,
WEB_EXPORTS := web_reply web_reply_len web_run_open web_run_input web_run_slice web_run_output web_run_ticks \
               web_run_finish web_run_table web_run_tc web_run_panels \
               web_vdb_open web_vdb_exec web_vdb_panels web_vdb_ticks web_assemble
# What the page can load without a file of its own: every bundled guest,
# the guest tests' table (budgets, inputs) and their input, and the include
# files a program written in the page may use.
WEB_GUESTS := $(G)/guestos.img $(G)/guestos-nospecial.img \
              $(BENCH_NAMES:%=$(G)/bench-%.img) $(BENCH_NAMES:%=$(G)/bench-%-nospecial.img) \
              $(GUEST_TEST_NAMES:%=$(G)/test-%.img)
WEB_FILES := web/index.html web/app.js web/panels.js web/style.css web/examples.js
WEB_NPM   := web/node_modules/.package-lock.json

.PHONY: web web-check web-bench web-deps

web: web-deps $(WEB)/index.html

# The web row of mk/deps.mk's table, by command: a command missing means
# its Debian package is (nodejs from elsewhere, as from nodesource, brings
# its own npm: Debian's npm would conflict with it).
DEPS.web := emscripten/emcc nodejs/node npm/npm chromium/$(notdir $(CHROMIUM))
web-deps: deps-web

# npm ci installs exactly what web/package-lock.json names (no browser
# download: puppeteer-core drives the system's chromium).
$(WEB_NPM): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WO)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(EMENV) $(EMCC) -O2 $(WARN) $(INC) -c $< -o $@

# The files the module carries: /guests and /src in its file system.
$(WO)/fs.stamp: $(WEB_GUESTS) build/bench/loop-reg.img tests/guests/guests.tbl tests/guests/console.in tests/guests/testlib.inc
	@rm -rf $(WO)/fs && mkdir -p $(WO)/fs/guests $(WO)/fs/src
	cp $(WEB_GUESTS) build/bench/loop-reg.img tests/guests/guests.tbl tests/guests/console.in $(WO)/fs/guests/
	cp tests/guests/testlib.inc $(WO)/fs/src/
	@touch $@

# One file: the module, its WebAssembly (base64 inside, so that a page
# opened from a folder needs no fetch) and then the worker's own code.
# kit-worker.js defines kitWorker(); the page starts a worker from that
# function's text, which works from file:// and from any host alike.
$(WO)/kit.js: $(WEB_CSRC:%.c=$(WO)/%.o) $(WO)/fs.stamp
	$(EMENV) $(EMCC) -O2 $(WEB_CSRC:%.c=$(WO)/%.o) -o $@ \
	  -sMODULARIZE -sEXPORT_NAME=createKit -sSINGLE_FILE -sALLOW_MEMORY_GROWTH -sENVIRONMENT=web,worker,node \
	  -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(strip $(WEB_EXPORTS:%=_%))) \
	  -sEXPORTED_RUNTIME_METHODS=ccall,FS,UTF8ToString \
	  --embed-file $(WO)/fs/guests@/guests --embed-file $(WO)/fs/src@/src


$(WEB)/kit-worker.js: $(WO)/kit.js web/worker.js
	@mkdir -p $(WEB)
	{ echo "function kitWorker() {"; cat $(WO)/kit.js web/worker.js; echo "}"; } > $@

$(WEB)/index.html: $(WEB)/kit-worker.js $(WEB_FILES) $(WEB_NPM)
	@mkdir -p $(WEB)/vendor
	cp $(WEB_FILES) $(WEB)/
	cp web/node_modules/@xterm/xterm/lib/xterm.js web/node_modules/@xterm/xterm/css/xterm.css $(WEB)/vendor/
	cp web/node_modules/@viz-js/viz/dist/viz-global.js $(WEB)/vendor/viz.js
	cp web/node_modules/@xterm/xterm/LICENSE $(WEB)/vendor/xterm.LICENSE
	@touch $@
	@du -sk $(WEB) | awk '{print "web: build/web is " $$1 " KiB"}'

web-check: web all $(WEB_NPM) build/bench/loop-reg.img
	CHROMIUM=$(CHROMIUM) node web/check.js

web-bench: web all build/bench/loop-reg.img $(WEB_NPM)
	CHROMIUM=$(CHROMIUM) node web/bench.js
