# vext — build, test, benchmark.
#
#   make run-daemon  build (static, see BUILD) and run the relay daemon on 127.0.0.1:6659
#   make deps    install what the tests and benchmarks need (Debian packages, rustup targets)
#   make lint    fmt, clippy, rustdoc and the module graph (.ci/run runs it first)
#   make test    deps + the whole test suite (what .ci/run calls)
#   make bench   side-by-side benchmarks against irkerd/irk
#   make static  fully static x86_64 musl binary (what run-daemon and install ship)
#   make install the binary, man pages and completions under PREFIX (/usr/local)

CARGO ?= cargo
MUSL_TARGET := x86_64-unknown-linux-musl
DEB_PACKAGES := ngircd inspircd irker microsocks tinyproxy tzdata openssl git subversion mercurial docker-registry apache2-utils iproute2 util-linux file python3-yaml docker.io busybox-static nats-server libltdl7 docker-compose
# Only the benchmarks need these.
BENCH_PACKAGES := skopeo hyperfine

# Run apt as root directly, else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install all build release run-daemon deps deps-debian deps-synapse deps-hybrid deps-bench apt-install test bench static lint modgraph fmt clean fuzz soak

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

# What `make run-daemon` and `make install` ship: the static musl build
# (`make static`). Measured against the glibc build in one run on this
# 2-core machine: start-up 0.53 vs 1.22 ms, `send --via` 1.5 vs 2.1 ms (irk:
# 18 ms), the daemon's resident set after a 50-channel fan-out 6.9 vs 8.3
# MiB (irkerd: 20.8), durable ingest 12 057 vs 12 424 requests/s. BUILD=glibc
# ships the dynamically linked build instead (no musl-tools needed).
BUILD ?= static
ARTIFACT := $(if $(filter glibc,$(BUILD)),target/release/vext,target/$(MUSL_TARGET)/release/vext)
ARTIFACT_RULE := $(if $(filter glibc,$(BUILD)),release,static)

# The main job on defaults: the relay on 127.0.0.1:6659, like irkerd.
run-daemon: $(ARTIFACT_RULE)
	./$(ARTIFACT) daemon

# Idempotent and quick when everything is present: apt runs only when a
# package is missing, and `apt-get update` runs once before the first install.
deps: deps-debian deps-synapse deps-hybrid

# Synapse (the Matrix homeserver the tests talk to), from PyPI into a venv
# under target/, reused between runs.
SYNAPSE_VENV := target/synapse-venv
deps-synapse:
	@if [ ! -x $(SYNAPSE_VENV)/bin/register_new_matrix_user ]; then \
	  echo "installing matrix-synapse into $(SYNAPSE_VENV)"; \
	  python3 -m venv $(SYNAPSE_VENV) && $(SYNAPSE_VENV)/bin/pip install -q matrix-synapse; \
	fi

# ircd-hybrid, for the pacing test on a third server: its Debian package
# conflicts with ngircd's, so it is unpacked into target/ircd-hybrid (not
# installed); the test runs it from there (libltdl7, its one missing
# library, is a normal package above).
HYBRID_DIR := target/ircd-hybrid
deps-hybrid:
	@if [ ! -x $(HYBRID_DIR)/usr/sbin/ircd-hybrid ]; then \
	  echo "unpacking Debian's ircd-hybrid into $(HYBRID_DIR)"; \
	  mkdir -p target/deb && cd target/deb && rm -f ircd-hybrid_*.deb && \
	  { apt-get download ircd-hybrid 2>/dev/null || \
	    { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get download ircd-hybrid; }; } && \
	  cd ../.. && dpkg-deb -x target/deb/ircd-hybrid_*.deb $(HYBRID_DIR); \
	fi

deps-debian:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(DEB_PACKAGES)"
	@# Debian starts irkerd (port 6659, which `make run-daemon` wants), ngircd,
	@# inspircd (6667) and tinyproxy (8888) when the packages are installed; the tests and
	@# benchmarks start their own servers, so stop and disable those services
	@# (a system Docker engine and nats-server are left running: the tests
	@# start their own on private sockets and ports). Only the services' own
	@# processes are touched: through systemd where it runs, else by the user
	@# Debian runs each service as (irker, irc). The init scripts' own `stop`
	@# would kill every irkerd, ngircd and inspircd on the machine by name,
	@# a user's own and a running test suite's included.
	@for svc in irker:irkerd:irker ngircd:ngircd:irc inspircd:inspircd:irc tinyproxy:tinyproxy:tinyproxy; do \
	  name=$${svc%%:*}; rest=$${svc#*:}; exe=$${rest%%:*}; user=$${rest#*:}; \
	  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled $$name >/dev/null 2>&1; then \
	    $(SUDO) systemctl disable --now $$name >/dev/null 2>&1 || true; fi; \
	  if [ -x /etc/init.d/$$name ]; then \
	    if id -u $$user >/dev/null 2>&1; then \
	      $(SUDO) start-stop-daemon --stop --quiet --oknodo --user $$user --name $$exe >/dev/null 2>&1 || true; fi; \
	    command -v update-rc.d >/dev/null 2>&1 && $(SUDO) update-rc.d $$name disable >/dev/null 2>&1 || true; fi; \
	done

# Installs PACKAGES that are missing; apt-get update runs once, only when needed.
apt-install:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deps-bench: deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(BENCH_PACKAGES)"
	@if [ ! -x target/bench-venv/bin/apprise ]; then \
	  echo "installing apprise into target/bench-venv"; \
	  python3 -m venv target/bench-venv && target/bench-venv/bin/pip install -q apprise; \
	fi

test: deps modgraph
	$(CARGO) build --release
	$(CARGO) test --release

# Hostile input at length: the generated-input tests (src/hostile.rs and the
# parsers' own) with many more rounds and seeds than `make test` runs.
# Each entry point is fed generated inputs for FUZZ_MINUTES (batches of
# FUZZ_ROUNDS, seed after seed from FUZZ_SEED), under a hang watchdog and an
# allocation bound; the test threads share the cores, so the whole run takes
# about entry points x FUZZ_MINUTES / cores.
FUZZ_MINUTES ?= 10
FUZZ_ROUNDS ?= 100000
FUZZ_SEED ?= 1
fuzz:
	VEXT_HOSTILE_SEED=$(FUZZ_SEED) VEXT_HOSTILE_ROUNDS=$(FUZZ_ROUNDS) \
	  VEXT_HOSTILE_SECONDS=$$(( $(FUZZ_MINUTES) * 60 )) \
	  $(CARGO) test --release --bin vext -q -- hostile --nocapture

# fmt, clippy (the [lints] table of Cargo.toml, warnings as errors), rustdoc
# with warnings as errors, and the module graph. .ci/run runs it before the
# tests. The components come with rustup's default profile; a minimal
# toolchain gets them added.
lint: modgraph
	@if command -v rustup >/dev/null 2>&1; then for c in rustfmt clippy; do \
	  rustup component list --installed 2>/dev/null | grep -q "^$$c" || rustup component add $$c; done; fi
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --document-private-items --quiet

# No import circle between files, and no wing importing a command.
modgraph:
	python3 scripts/modgraph.py

fmt:
	$(CARGO) fmt

# An hour of load on one daemon with ngircd and daemon restarts (not in
# CI): prints what was acknowledged, delivered and seen, and the daemon's
# resident set and open files over time. SOAK_SECONDS for a shorter run.
soak: deps release
	python3 bench/soak.py

bench: deps-bench release static
	$(CARGO) build --release --example ingest
	./bench/run.sh

static:
	@command -v musl-gcc >/dev/null 2>&1 || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools; }
	@rustup target list --installed | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)
	$(CARGO) build --release --target $(MUSL_TARGET)
	@file target/$(MUSL_TARGET)/release/vext | tee /dev/stderr | grep -Eq 'static(-pie)? linked' \
	  || { echo "target/$(MUSL_TARGET)/release/vext is not statically linked" >&2; exit 1; }

clean:
	$(CARGO) clean

# The binary, its man pages and shell completions, where distributions look
# for them (the README's systemd unit runs /usr/local/bin/vext).
PREFIX ?= /usr/local
install: $(ARTIFACT_RULE)
	install -Dm755 $(ARTIFACT) $(DESTDIR)$(PREFIX)/bin/vext
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -Dm644 man/vext-config.5 $(DESTDIR)$(PREFIX)/share/man/man5/vext-config.5
	install -Dm644 completions/vext.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vext
	install -Dm644 completions/_vext $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vext
	install -Dm644 completions/vext.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/vext.fish
