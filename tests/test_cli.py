"""The ``perphedge`` command group itself."""

import os

import pytest

from perphedge.cli import COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


@pytest.fixture
def restore_offline():
    before = os.environ.get("PERPHEDGE_OFFLINE")
    yield
    if before is None:
        os.environ.pop("PERPHEDGE_OFFLINE", None)
    else:
        os.environ["PERPHEDGE_OFFLINE"] = before


def test_global_offline_flag_makes_the_market_layer_read_the_snapshot(restore_offline, capsys):
    from perphedge.market.config import MarketConfig

    os.environ.pop("PERPHEDGE_OFFLINE", None)
    assert MarketConfig.from_env().offline is False
    assert main(["--offline", "snapshot", "show"]) == 0
    assert MarketConfig.from_env().offline is True
