@echo off
rem Install perphedge for Excel on Windows: a private Python environment, the package,
rem then "perphedge addin install" (builds perphedge.xlam into Excel's XLSTART folder).
rem Run it from the unpacked perphedge folder; Excel should be closed.
setlocal
set "HERE=%~dp0"
for %%I in ("%HERE%..") do set "REPO=%%~fI"
if not defined PERPHEDGE_VENV set "PERPHEDGE_VENV=%LOCALAPPDATA%\perphedge\venv"

set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY (
  echo Python 3.11 or newer is needed: https://www.python.org/downloads/windows/
  goto fail
)
%PY% -c "import sys; sys.exit(sys.version_info < (3, 11))" || (
  echo Python 3.11 or newer is needed: https://www.python.org/downloads/windows/
  goto fail
)

echo Creating the Python environment in %PERPHEDGE_VENV% ...
%PY% -m venv "%PERPHEDGE_VENV%" || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m pip install --upgrade pip || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m pip install "%REPO%" || goto fail
"%PERPHEDGE_VENV%\Scripts\perphedge.exe" addin install --replace --ribbon "%REPO%\addin\ribbon\customUI.xml" %* || goto fail
"%PERPHEDGE_VENV%\Scripts\perphedge.exe" addin status || goto fail
echo.
echo Done. Start Excel and follow installer\README.md (trust settings, Import Functions).
pause
exit /b 0

:fail
echo.
echo Installation did not complete; nothing in Excel was changed by the failed step.
pause
exit /b 1
