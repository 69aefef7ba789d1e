"""The configuration and command references in the manual are written from the schema and the
parser (scripts/reference.sh); these fail when either page no longer says what the code does."""

import pytest

from tests.support import ROOT
from wastewatch.cli import reference as commands
from wastewatch.config import reference as configuration

PAGES = {
    "docs/administrators/configuration.md": configuration.markdown,
    "docs/administrators/cli-reference.md": commands.markdown,
}


@pytest.mark.parametrize("page", PAGES)
def test_the_reference_page_is_what_the_code_says(page):
    written = (ROOT / page).read_text(encoding="utf-8")
    assert written == PAGES[page](), f"{page} has drifted from the code: run scripts/reference.sh"


def test_every_key_and_every_command_is_in_its_reference():
    from wastewatch.cli.main import _parser
    from wastewatch.config.schema import ConfigFile

    text = configuration.markdown()
    for name, field in ConfigFile.model_fields.items():
        # An array of tables ([[sites]], [[forward]], …) is described by its item's model.
        listed = getattr(field.annotation, "__origin__", None) is list
        model = field.annotation.__args__[0] if listed else field.annotation
        for key, sub in model.model_fields.items():
            assert f"| `{key}` |" in text, f"{name}.{key}"
            assert sub.description, f"{name}.{key} has no docstring to describe it"
    listing = commands.markdown()
    for path, _, _ in commands._commands(_parser(), ()):
        assert f"## `wastewatch {' '.join(path)}`" in listing
    assert "## `wastewatch workorders verify`" in listing and "`--by BY`" in listing
