/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * Bytes from containers, labels and files never reach a terminal raw:
 * control characters (C0, DEL, C1) and invalid UTF-8 come out as \xNN, so
 * an ESC in a container name cannot move the cursor or retitle a window.
 * Valid printable UTF-8 passes through. Returns a new string.
 */
char *term_sanitize(const char *s);
void strbuf_add_sanitized(struct strbuf *sb, const char *s);

/*
 * Text of several lines (a command's output, log lines) as a terminal should
 * show it: each line after indent, sanitized as above, ended by "\n". "\r\n"
 * ends a line as "\n" does; a final line break adds no empty line, and empty
 * text adds nothing. Any other control byte (a lone "\r" too) stays escaped.
 */
void strbuf_add_sanitized_lines(struct strbuf *sb, const char *indent, const char *s);

/* Display width in columns of a sanitized string (UTF-8 aware, approx). */
size_t term_width(const char *s);
