#!/usr/bin/env bash
# cargo's RUSTC_WRAPPER under `cargo xtask` when sccache is on (see xtask/src/build_cache.rs):
# a crate of this repository (its manifest under the repository) is compiled as it is, never
# cached; any other crate (crates.io dependencies) through sccache. bash, not sh: dash drops
# environment variables whose names are not shell names, such as CARGO_BIN_EXE_example-axum.
case "$CARGO_MANIFEST_DIR" in
"$BETTER_AUTH_RS_ROOT"/*) exec "$@" ;;
esac
# sccache keys a compilation by every CARGO_* variable; the target dir names the clone (.ci/run
# sets it) and rustc does not read it, so it would only keep clones from sharing entries.
unset CARGO_TARGET_DIR
exec "$BETTER_AUTH_RS_SCCACHE" "$@"
