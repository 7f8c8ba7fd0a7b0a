from perphedge.install import userconf


def test_round_trip_in_the_vba_write_format():
    text = '"Interpreter_Win","C:\\py\\python.exe"\r\n"UDF Modules","a;b"\r\n'
    rows = userconf.parse(text)
    assert rows == [("Interpreter_Win", "C:\\py\\python.exe"), ("UDF Modules", "a;b")]
    assert userconf.render(rows) == text


def test_update_is_case_insensitive_and_keeps_other_lines():
    rows = [("interpreter_win", "old"), ("Conda Env", "base")]
    out = userconf.update(rows, {"Interpreter_Win": "new", "UDF Modules": "m"})
    assert out == [("interpreter_win", "new"), ("Conda Env", "base"), ("UDF Modules", "m")]
    assert userconf.update(out, {"UDF Modules": None}) == out[:2]
