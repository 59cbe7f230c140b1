"""The render contract: every --format value of every command has exactly one renderer,
a function of the command's result type."""

import inspect
import typing
from importlib import import_module

import pytest

from posttime.render import (
    COMMAND_FORMATS,
    COMMAND_RESULTS,
    RENDERERS,
    Format,
    render,
    renderer,
    type_name,
)


def _class(name: str) -> type:
    module, _, cls = name.rpartition(".")
    return getattr(import_module(module), cls)


@pytest.mark.parametrize("command", sorted(COMMAND_FORMATS))
def test_every_format_of_every_command_maps_to_one_typed_renderer(command):
    for result_type in COMMAND_RESULTS[command]:
        cls = _class(result_type)
        assert type_name(cls) == result_type
        for fmt in COMMAND_FORMATS[command]:
            function = renderer(result_type, fmt)
            first = next(iter(inspect.signature(function).parameters))
            assert typing.get_type_hints(function)[first] is cls, (result_type, fmt)
            assert typing.get_type_hints(function)["return"] is str


def test_the_registry_holds_nothing_a_command_cannot_ask_for():
    asked = {(t, f) for c in COMMAND_FORMATS for t in COMMAND_RESULTS[c]
             for f in COMMAND_FORMATS[c]}
    assert set(RENDERERS) == asked
    assert {f for formats in COMMAND_FORMATS.values() for f in formats} == set(Format)
    assert len(set(RENDERERS.values())) == len(RENDERERS)


def test_render_refuses_a_result_without_a_renderer():
    with pytest.raises(ValueError, match="no csv renderer for dict"):
        render({}, Format.csv)
