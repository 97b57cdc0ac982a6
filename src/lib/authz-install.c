/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "authz-install.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths go into a unit file and a spec file unquoted: keep them plain. */
bool authz_plain_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '\'' || *c == '\\' ||
		    *c == '%' || *c == '$' || *c == ';' || *c == 0x7f)
			return false;
	return true;
}

char *authz_unit_text(const char *exe, const char *socket, const char *policy)
{
	_cleanup_free_ char *dir = xstrdup(socket);
	*strrchr(dir, '/') = '\0';
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb,
		      "# Installed by `rootlock authz install`.\n"
		      "[Unit]\n"
		      "Description=rootlock: refuse containers with a writable root filesystem\n"
		      "Documentation=man:rootlock-authz(1)\n"
		      "Before=docker.service\n"
		      "\n"
		      "[Service]\n"
		      "Type=simple\n");
	strbuf_addf(&sb, "ExecStart=%s authz serve --socket %s", exe, socket);
	if (policy)
		strbuf_addf(&sb, " --policy %s", policy);
	strbuf_addstr(&sb, "\nRestart=always\nRestartSec=1\n");
	/* The socket directory is the only place it writes. */
	if (str_startswith(dir, "/run/") && dir[5])
		strbuf_addf(&sb,
			    "RuntimeDirectory=%s\n"
			    "RuntimeDirectoryPreserve=yes\n"
			    "RuntimeDirectoryMode=0700\n",
			    dir + 5);
	else
		strbuf_addf(&sb, "ReadWritePaths=%s\n", dir);
	strbuf_addstr(&sb, "ProtectSystem=strict\n"
			   "ProtectHome=yes\n"
			   "PrivateTmp=yes\n"
			   "PrivateDevices=yes\n"
			   "PrivateNetwork=yes\n"
			   "NoNewPrivileges=yes\n"
			   "CapabilityBoundingSet=\n"
			   "ProtectKernelTunables=yes\n"
			   "ProtectKernelModules=yes\n"
			   "ProtectKernelLogs=yes\n"
			   "ProtectControlGroups=yes\n"
			   "ProtectClock=yes\n"
			   "ProtectHostname=yes\n"
			   "RestrictAddressFamilies=AF_UNIX\n"
			   "RestrictNamespaces=yes\n"
			   "RestrictRealtime=yes\n"
			   "RestrictSUIDSGID=yes\n"
			   "LockPersonality=yes\n"
			   "MemoryDenyWriteExecute=yes\n"
			   "SystemCallArchitectures=native\n"
			   "SystemCallFilter=@system-service\n"
			   "UMask=0077\n"
			   "\n"
			   "[Install]\n"
			   "WantedBy=docker.service\n");
	return strbuf_detach(&sb);
}

/* Write text to dir/name through a temporary file and a rename. */
int authz_write_file(const char *dir, const char *name, const char *text, struct rl_error *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rl_error_set(err, RL_EIO, "cannot create '%s': %s", dir, strerror(errno));
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return rl_error_set(err, RL_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	bool ok = fputs(text, f) >= 0 && fchmod(fileno(f), 0644) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return rl_error_set(err, RL_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}
