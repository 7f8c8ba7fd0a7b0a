@echo off
rem Remove what install-windows.cmd put into Excel (the add-in and its settings).
setlocal
if not defined PERPHEDGE_VENV set "PERPHEDGE_VENV=%LOCALAPPDATA%\perphedge\venv"
if not exist "%PERPHEDGE_VENV%\Scripts\python.exe" if exist "%SystemDrive%\perphedge\venv\Scripts\python.exe" set "PERPHEDGE_VENV=%SystemDrive%\perphedge\venv"
"%PERPHEDGE_VENV%\Scripts\python.exe" -m perphedge.cli addin uninstall %* || (pause & exit /b 1)
echo The Python environment in %PERPHEDGE_VENV% can now be deleted.
pause
