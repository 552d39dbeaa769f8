"""Documentation that must not drift from the code."""

from __future__ import annotations

from pathlib import Path

from minsheng.cli_reference import commands, render

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run `python -m minsheng.cli_reference > docs/cli.md`"
    )


def test_every_command_and_option_has_help() -> None:
    for name, cmd in commands().items():
        assert cmd.help, f"command {name} has no help"
        for param in cmd.params:
            assert param.param_type_name != "option" or param.help, f"option {param.name} of {name} has no help"


def test_settings_are_documented() -> None:
    from minsheng.settings import Settings

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert f"MINSHENG_{field.upper()}" in text, f"setting MINSHENG_{field.upper()} missing from README"


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "make demo" in head and "make test" in head


def test_every_api_route_is_in_the_api_reference() -> None:
    from sqlalchemy import create_engine

    from minsheng.bootstrap import App
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.settings import Settings
    from minsheng.web.app import create_app

    cipher = PersonalDataCipher.from_secret(b"documentation only: not a secret")
    spec = create_app(App(Settings(), create_engine("sqlite://"), cipher)).openapi()
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"| {method.upper()} | `{path}` |" in text, f"{method.upper()} {path} missing from docs/api.md"
