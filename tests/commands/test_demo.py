import json
import re


from perphedge.cli import main


def test_demo_prints_the_guide_portfolio(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "the guide's illustrative prices" in out
    assert "not live or recorded market data" in out
    rows = {line.split()[0]: re.split(r"\s{2,}", line.strip()) for line in out.splitlines()
            if line.startswith(("BTC ", "ETH ", "TOTAL"))}
    # The guide: 10 BTC at $50,000 hedged 50 % -> $250,000; $100,000 of ETH at $3,000 ->
    # 33.333 contracts at a 0.001 step (= $99,999 hedged).
    assert rows["BTC"][3:8] == ["500,000.00", "50%", "250,000.00", "5", "250,000.00"]
    assert rows["ETH"][3:8] == ["100,000.00", "100%", "100,000.00", "33.333", "99,999.00"]
    assert rows["TOTAL"][1:3] == ["600,000.00", "350,000.00"]


def test_demo_json(capsys):
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    btc, eth = data["lines"]
    assert btc["notional"] == 250_000.0 and btc["contracts"] == 5.0
    assert eth["contracts"] == 33.333
    assert any("not live or recorded market data" in n for n in data["notes"])
