# Shortcuts for `just` users; every recipe is a plain cargo command (no `just` needed).

# Run the quickstart (demo SQLite database, no server needed).
run:
    cargo run -p quickstart

# Run every test (installs the Better Auth test server's packages first).
test:
    cargo xtask test

# fmt, clippy and rustdoc with warnings denied.
lint:
    cargo xtask lint

# What CI runs.
ci:
    cargo xtask ci
