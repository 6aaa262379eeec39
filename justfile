# Shortcuts for `just` users; every recipe is a plain cargo command (no `just` needed).

# Run the quickstart (demo SQLite database, no server needed).
run:
    cargo run -p quickstart

# Run every test (installs the Better Auth test server's packages first).
test:
    cargo xtask test

# fmt, clippy (all features, then the feature matrix) and rustdoc with warnings denied.
lint:
    cargo xtask lint

# What CI runs (.ci/run): lint, test, a short fuzz run; prints the time of each step.
ci:
    cargo xtask ci
