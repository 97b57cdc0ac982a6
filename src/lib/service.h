/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "error.h"
#include "workload.h"

/*
 * A Swarm service as the rule reads it: the answer of GET /services/{id}
 * (or one entry of GET /services). Its tasks' containers get
 * TaskTemplate.ContainerSpec: ReadOnly, CapabilityAdd (API 1.41), Mounts and
 * Labels (where rootlock.exempt is read, as authz reads a service create).
 */
int workload_from_service(json_t *service, struct workload *ret, struct rl_error *err);
