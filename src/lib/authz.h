/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "util.h"

/*
 * The decision of `rootlock authz`, a Docker authorization plugin: the
 * daemon sends every API request (RequestMethod, RequestUri, RequestBody in
 * base64, RequestHeaders, User, UserAuthNMethod) and obeys Allow/Msg/Err.
 *
 * Three kinds of request are judged, read exactly as the daemon will read
 * them: container create (POST .../containers/create, with or without a
 * /vX.Y prefix, any query string, percent-encoded or doubled slashes, as
 * the daemon's router would match it), Swarm service create/update
 * (TaskTemplate.ContainerSpec.ReadOnly) and exec create (POST
 * .../containers/{name}/exec: "Privileged": true is a defeater). The body is decoded the way the
 * daemon decodes it (keys case-insensitively), and a body with duplicate
 * or case-variant keys on any field the decision reads is denied as
 * ambiguous. A judged request whose body is missing, empty, truncated, too
 * big or not JSON is denied (fail closed). Everything else is allowed.
 *
 * Library rules apply: nothing here prints or does I/O except
 * authz_policy_load() reading its file.
 */

#define AUTHZ_MAX_BODY (4 << 20) /* decoded body bytes judged at most */

enum authz_mode { AUTHZ_ENFORCE, AUTHZ_WARN };

struct authz_exemption {
	char *image;  /* fnmatch glob on the image reference, or NULL */
	char *name;   /* fnmatch glob on the container/service name, or NULL */
	char *user;   /* the authenticated user, exactly, or NULL */
	char *reason; /* required */
};

struct authz_policy {
	bool deny_defeatable;	    /* read-only but rewritable from inside: deny too */
	bool allow_label_exemption; /* honour the label rootlock.exempt=REASON */
	struct authz_exemption *exempt;
	size_t n_exempt;
	char *engine_socket;	/* the daemon's own socket, when not a usual one */
	char *engine_data_root; /* its data-root, when not /var/lib/docker */
	char *source;		/* the file it came from, or NULL for the built-in policy */
};

/*
 * The policy file, JSON:
 *   {"deny_defeatable": false, "allow_label_exemption": false,
 *    "exempt": [{"image": "vendor.io/app:*", "name": "legacy-*", "user": "ci",
 *                "reason": "..."}],
 *    "engine_socket": "/srv/docker.sock", "engine_data_root": "/srv/docker"}
 * Unknown keys, a missing reason, an exemption with no matcher: RL_EPARSE.
 * A missing or unreadable file: RL_EIO.
 */
int authz_policy_load(const char *path, struct authz_policy *ret, struct rl_error *err);
int authz_policy_parse(const char *text, size_t len, const char *source, struct authz_policy *ret,
		       struct rl_error *err);
/* The built-in policy: deny writable, no exemptions. */
void authz_policy_default(struct authz_policy *ret);
void authz_policy_release(struct authz_policy *p);

enum authz_kind {
	AUTHZ_OTHER, /* not judged: allowed */
	AUTHZ_CONTAINER_CREATE,
	AUTHZ_SERVICE_CREATE,
	AUTHZ_SERVICE_UPDATE,
	AUTHZ_CONTAINER_EXEC, /* POST /containers/{name}/exec: judged only when privileged */
};

struct authz_decision {
	bool allow;	 /* what the daemon is told (always true in warn mode) */
	bool would_deny; /* what enforce mode would have said */
	enum authz_kind kind;
	char *msg;    /* for the daemon's Msg: one line, why and what to do */
	char *reason; /* short, for the log: "writable", "ambiguous body", ... */
	char *method; /* RequestMethod, RequestUri, User as sent (NULL if absent) */
	char *uri;
	char *user;
	char *name;  /* container or service name, when known */
	char *image; /* image reference, when known */
};

/*
 * Decide one /AuthZPlugin.AuthZReq body (the JSON the daemon sent). Never
 * fails: whatever cannot be read is denied (or, for a request that is not
 * judged at all, allowed), and the decision says why.
 */
void authz_decide(const struct authz_policy *p, enum authz_mode mode, const char *request,
		  size_t len, struct authz_decision *ret);
void authz_decision_release(struct authz_decision *d);

/* One JSON line for the decision log (time, user, method, uri, name, image, decision, reason). */
char *authz_decision_log_line(const struct authz_decision *d, long long unix_ms);

/*
 * What the daemon's router makes of a request URI: the path with the query
 * string cut, percent-escapes decoded, runs of '/' collapsed, and a leading
 * /vX.Y version removed. "/v1.41//containers/%63reate?name=x" gives
 * "/containers/create". Returns a new string.
 */
char *authz_route_path(const char *uri);
