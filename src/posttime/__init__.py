"""posttime: when should I post on Facebook? Tested, honest answers from page exports.

The public API lives in ``posttime.api`` and is served from here on first use, so that
``posttime --help`` starts without pandas or scipy; ``dir(posttime)`` and type checkers see
every name. See ``posttime.api`` for an example.
"""

import sys as _sys
import typing as _typing
from types import ModuleType as _ModuleType

from posttime._version import __version__

if _typing.TYPE_CHECKING:
    from posttime.api import (
        Analysis,
        Comparison,
        analyze,
        analyze_many,
        compare,
        load_exports,
        sample_paths,
    )

__all__ = [
    "Analysis",
    "Comparison",
    "__version__",
    "analyze",
    "analyze_many",
    "compare",
    "load_exports",
    "sample_paths",
]

_LAZY = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        from posttime import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'posttime' has no attribute {name!r}")


def __dir__() -> list[str]:
    public = (n for n in globals() if not n.startswith("_") or n.startswith("__"))
    return sorted({*public, *__all__})


class _Package(_ModuleType):
    """The package: importing a submodule of the same name as a public function
    (``posttime.compare``) does not replace the function with the module."""

    def __setattr__(self, name: str, value: _typing.Any) -> None:
        if name in _LAZY and isinstance(value, _ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
