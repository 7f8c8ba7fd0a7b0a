@echo off
rem Remove what install-windows.cmd put into Excel (the add-in and its settings).
setlocal
if not defined PERPHEDGE_VENV set "PERPHEDGE_VENV=%LOCALAPPDATA%\perphedge\venv"
"%PERPHEDGE_VENV%\Scripts\perphedge.exe" addin uninstall %* || (pause & exit /b 1)
echo The Python environment in %PERPHEDGE_VENV% can now be deleted.
pause
