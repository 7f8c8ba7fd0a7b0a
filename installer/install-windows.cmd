@echo off
rem Install perphedge for Excel on Windows: a private Python environment, the package,
rem then "python -m perphedge.cli addin install" (builds perphedge.xlam into Excel's XLSTART
rem folder and puts the Excel functions into it). Run it from the unpacked perphedge folder
rem with Excel closed.
setlocal
set "HERE=%~dp0"
for %%I in ("%HERE%..") do set "REPO=%%~fI"

rem python.org's launcher first; "python" alone is often the Microsoft Store stub.
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY goto need_python
%PY% -c "import sys; sys.exit(sys.version_info < (3, 11))" || goto need_python
rem The Microsoft Store's Python redirects files under %LOCALAPPDATA% and XLSTART to a private
rem copy that Excel never sees.
%PY% -c "import sys; sys.exit('WindowsApps' in sys.executable or 'PythonSoftwareFoundation' in sys.base_prefix)" || goto store_python

rem xlwings loads its DLL and starts Python through ANSI-only calls: the environment's path
rem must be plain ASCII, which a user name with accents makes %LOCALAPPDATA% not be.
if not defined PERPHEDGE_VENV set "PERPHEDGE_VENV=%LOCALAPPDATA%\perphedge\venv"
%PY% -c "import os, sys; sys.exit(not os.environ['PERPHEDGE_VENV'].isascii())" || (
  echo The environment's folder has letters outside ASCII, which xlwings cannot start Python from:
  echo the environment goes to %SystemDrive%\perphedge\venv instead.
  set "PERPHEDGE_VENV=%SystemDrive%\perphedge\venv"
)

echo Creating the Python environment in %PERPHEDGE_VENV% ...
%PY% -m venv "%PERPHEDGE_VENV%" || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m pip install --upgrade pip || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m pip install "%REPO%" || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m perphedge.cli addin doctor
"%PERPHEDGE_VENV%\Scripts\python.exe" -m perphedge.cli addin install --replace %* || goto fail
"%PERPHEDGE_VENV%\Scripts\python.exe" -m perphedge.cli addin status || goto fail
echo.
echo Done. Start Excel: a Perpetual Hedge tab appears and =HEDGE_SIZE(1000, 50%%) gives 500.
pause
exit /b 0

:need_python
echo Python 3.11 or newer is needed: https://www.python.org/downloads/windows/
echo (the 64-bit "Windows installer"; not the Microsoft Store version)
goto fail

:store_python
echo This Python comes from the Microsoft Store: Excel cannot see what it installs.
echo Install Python from https://www.python.org/downloads/windows/ and run this again.
goto fail

:fail
echo.
echo Installation did not complete; nothing in Excel was changed by the failed step.
pause
exit /b 1
