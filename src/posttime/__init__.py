"""posttime: when should I post on Facebook? Tested, honest answers from page exports.

The public API is loaded lazily so that ``posttime --help`` starts without pandas or scipy.
"""

from posttime._version import __version__

__all__ = ["__version__", "analyze", "analyze_many", "compare", "load_exports"]


def __getattr__(name: str):
    if name == "load_exports":
        from posttime.loaders import load_exports

        return load_exports
    if name == "analyze":
        from posttime.analysis import analyze

        return analyze
    if name == "analyze_many":
        from posttime.portfolio import analyze_many

        return analyze_many
    if name == "compare":
        from posttime.compare import compare

        return compare
    raise AttributeError(f"module 'posttime' has no attribute {name!r}")
