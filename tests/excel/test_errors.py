"""The one adapter between failures and what a cell shows."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from perphedge.core.errors import BelowMinimum, DataUnavailable, InvalidInput, NetworkError, UnknownSymbol
from perphedge.excel import errors
from perphedge.excel.errors import error_text, excel_safe


def _raising(exc):
    @excel_safe
    def f(a, b=2):
        raise exc
    return f


def _returning(value):
    @excel_safe
    def f():
        return value
    return f


def test_package_errors_become_their_message():
    assert _raising(InvalidInput("hedge_ratio", 1.5, "must be between 0 and 1"))(1) == \
        "#HEDGE! hedge_ratio must be between 0 and 1, got 1.5"
    assert _raising(NetworkError("binanceusdm timed out after 10 s"))(1) == \
        "#HEDGE! binanceusdm timed out after 10 s"
    assert _raising(BelowMinimum("contracts", 0.0004, "must be at least 0.001 (market minimum)"))(
        1) == "#HEDGE! contracts must be at least 0.001 (market minimum), got 0.0004"


def test_unknown_symbol_shows_the_suggestion():
    assert _raising(UnknownSymbol("BTCUSDX", "binanceusdm", ("BTC/USDT:USDT",)))(1) == \
        "#HEDGE! unknown symbol BTCUSDX on binanceusdm — did you mean BTC/USDT:USDT?"


def test_package_errors_are_not_logged(_udf_log_dir):
    _raising(DataUnavailable("no mark price"))(1)
    assert not (_udf_log_dir / "udf-errors.log").exists()


def test_unexpected_exceptions_name_only_their_type_and_are_logged(_udf_log_dir):
    def buggy(x):
        return {}["missing"]

    f = excel_safe(buggy)
    assert f(41.5) == "#HEDGE! internal error (KeyError)"
    log = (_udf_log_dir / "udf-errors.log").read_text(encoding="utf-8")
    assert "buggy(41.5): internal error (KeyError)" in log
    assert "Traceback (most recent call last)" in log
    assert "{}[\"missing\"]" in log or "missing" in log


def test_plain_value_error_is_internal(_udf_log_dir):
    assert _raising(ValueError("math domain error"))(1) == "#HEDGE! internal error (ValueError)"
    assert _raising(ZeroDivisionError())(1) == "#HEDGE! internal error (ZeroDivisionError)"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_results_never_reach_a_cell(bad, _udf_log_dir):
    # Arithmetic on absurd inputs (a rate of 1e300) overflows: said so, and logged.
    out = _returning(bad)()
    assert out == f"#HEDGE! result is not a finite number ({bad!r}): are the inputs far too " \
                  "large or too small?"
    assert (_udf_log_dir / "udf-errors.log").exists()
    out = _returning([["a", "b"], [1.0, bad]])()
    assert out.startswith("#HEDGE! result is not a finite number")


@pytest.mark.parametrize("bad", [None, True, {"a": 1}, [], [[]], [1.0, 2.0], [[1.0], [1.0, 2.0]],
                                 dt.date(2024, 1, 1)])
def test_results_a_cell_cannot_hold_are_errors(bad):
    assert _returning(bad)().startswith("#HEDGE! internal error (")


def test_good_results_pass_through_as_cell_values():
    assert _returning(3)() == 3.0 and isinstance(_returning(3)(), float)
    assert _returning("text")() == "text"
    when = dt.datetime(2024, 3, 14, 8)
    assert _returning([["time", "rate"], [when, 0.0001]])() == [["time", "rate"], [when, 0.0001]]


def test_messages_are_one_line_and_bounded():
    assert error_text("a\nb\r\n  c") == "#HEDGE! a b c"
    long = error_text("x" * 5000)
    assert len(long) == len("#HEDGE! ") + errors.MAX_MESSAGE_CHARS
    assert long.endswith("…")
    assert error_text("") == "#HEDGE! error"


def test_wrapper_keeps_name_doc_and_signature():
    def HEDGE_X(notional, price, contract_size=1.0):
        """Doc."""
    f = excel_safe(HEDGE_X)
    assert f.__name__ == "HEDGE_X" and f.__doc__ == "Doc."
    assert list(inspect.signature(f).parameters) == ["notional", "price", "contract_size"]
    assert inspect.signature(f).parameters["contract_size"].default == 1.0


def test_log_rotates_when_large(_udf_log_dir, monkeypatch):
    monkeypatch.setattr(errors, "MAX_LOG_BYTES", 100)
    f = _raising(RuntimeError("x"))
    f(1)
    f(1)  # the first entry is over 100 bytes: rotated before the second
    assert (_udf_log_dir / "udf-errors.log.1").exists()
    assert (_udf_log_dir / "udf-errors.log").read_text().count("RuntimeError") >= 1


def test_a_log_that_cannot_be_written_does_not_break_the_cell(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr("platformdirs.user_log_dir", lambda *a, **k: str(blocker / "logs"))
    assert _raising(RuntimeError("x"))(1) == "#HEDGE! internal error (RuntimeError)"


def test_default_log_dir_is_the_platform_user_log_dir(monkeypatch):
    import platformdirs
    monkeypatch.undo()  # the real platformdirs, not the fixture's folder
    assert errors.log_path() == \
        platformdirs.user_log_path("perphedge", appauthor=False) / "udf-errors.log"
