/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "term.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t len;
	unsigned int cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range code points are invalid. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	/* C1 controls (U+0080..U+009F) act like ESC sequences on some terminals. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return len;
}

void strbuf_add_sanitized(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (n == 1 && (*p < 0x20 || *p == 0x7f))
			n = 0;
		if (n == 0) {
			strbuf_addf(sb, "\\x%02x", *p);
			p++;
			continue;
		}
		if (n == 1 && *p == '\\') {
			strbuf_addstr(sb, "\\\\");
			p++;
			continue;
		}
		strbuf_add(sb, p, n);
		p += n;
	}
	strbuf_add(sb, "", 0); /* an empty input still yields a terminated string */
}

void strbuf_add_sanitized_lines(struct strbuf *sb, const char *indent, const char *s)
{
	for (const char *line = s ? s : ""; *line;) {
		const char *end = strchrnul(line, '\n');
		size_t len = (size_t)(end - line);
		if (*end && len && line[len - 1] == '\r')
			len--;
		_cleanup_free_ char *one = xstrndup(line, len);
		strbuf_addstr(sb, indent);
		strbuf_add_sanitized(sb, one);
		strbuf_addch(sb, '\n');
		line = *end ? end + 1 : end;
	}
	strbuf_add(sb, "", 0);
}

char *term_sanitize(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_sanitized(&sb, s);
	return strbuf_detach(&sb);
}

size_t term_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}
