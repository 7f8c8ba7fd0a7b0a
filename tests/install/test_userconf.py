from perphedge.install import userconf


def test_round_trip_in_the_vba_write_format():
    text = '"Interpreter_Win","C:\\py\\python.exe"\r\n"UDF Modules","a;b"\r\n"Show Console",#TRUE#\r\n'
    lines = userconf.parse(text)
    assert userconf.as_dict(lines) == {"Interpreter_Win": "C:\\py\\python.exe",
                                       "UDF Modules": "a;b", "Show Console": "#TRUE#"}
    assert userconf.render(lines) == text


def test_update_is_case_insensitive_and_keeps_other_lines_verbatim():
    lines = userconf.parse('"interpreter_win","old"\r\n"Show Console",#TRUE#\r\n')
    out = userconf.update(lines, {"Interpreter_Win": "new", "UDF Modules": "m"})
    assert userconf.render(out) == ('"interpreter_win","new"\r\n"Show Console",#TRUE#\r\n'
                                    '"UDF Modules","m"\r\n')
    assert userconf.render(userconf.update(out, {"UDF Modules": None})) == \
        '"interpreter_win","new"\r\n"Show Console",#TRUE#\r\n'


def test_a_refused_write_names_the_file_and_leaves_it_and_no_temp(tmp_path, monkeypatch):
    import pytest

    from perphedge import atomicfile

    conf = tmp_path / "myaddin.conf"
    conf.write_bytes(b'"Interpreter_Win","old"\r\n')

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(atomicfile.os, "replace", refuse)
    with pytest.raises(atomicfile.AtomicWriteError, match="could not write .*myaddin.conf"):
        userconf.write(conf, userconf.parse('"Interpreter_Win","new"\r\n'))
    assert conf.read_bytes() == b'"Interpreter_Win","old"\r\n'
    assert [p.name for p in tmp_path.iterdir()] == ["myaddin.conf"]
