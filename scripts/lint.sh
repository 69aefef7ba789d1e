#!/usr/bin/env bash
# Lint, formatting, the layer contracts, types and the docs build: one line each when clean,
# the offending lines when not. Called by the test command; runs alone after scripts/setup.sh test.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The layer contracts (pyproject.toml [tool.importlinter]) on an installed copy: grimp reads a
# package from its folder, and the subpackages live in the top-level folders. Built from a
# copy of the tree, so that setuptools leaves no build/ here.
root="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/src"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch/src"
if ! .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation --target "$scratch/site" \
        "$scratch/src" 2>"$scratch/pip.log"; then
    cat "$scratch/pip.log" >&2
    exit 1
fi
(cd "$scratch" && PYTHONPATH="$scratch/site" "$root/.venv/bin/lint-imports" --no-cache "$root/pyproject.toml")
# Types ([tool.mypy]) of the lower layers, on the same installed copy.
(cd "$scratch" && MYPYPATH="$scratch/site" "$root/.venv/bin/mypy" --config-file "$root/pyproject.toml" \
    --python-executable "$root/.venv/bin/python" --cache-dir "$scratch/mypy" \
    -p wastewatch.config -p wastewatch.store -p wastewatch.ingest -p wastewatch.alerts -p wastewatch.notify)
# The manual (mkdocs.yml): a broken link, a missing anchor or a page left out of the
# navigation fails here.
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$scratch/site"
echo "docs: built with --strict"
