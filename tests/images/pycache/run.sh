#!/bin/sh
# SPDX-License-Identifier: MIT
# Like `python3 main.py`: write __pycache__/main.cpython-311.pyc if the
# directory can be written, carry on without it if not.
if mkdir -p /app/__pycache__ 2>/dev/null && cp main.py /app/__pycache__/main.cpython-311.pyc 2>/dev/null; then
	echo "pycache: cached bytecode"
else
	echo "pycache: no bytecode cache, compiling in memory"
fi
trap 'echo "pycache: stopped"; exit 0' TERM INT
echo "pycache: up"
while :; do sleep 3600 & wait $!; done
