# SPDX-License-Identifier: MIT
print("pycache: up")
