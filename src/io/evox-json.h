/* evox-json.h: typed members of a JSON object, NULL or FALSE for a member missing or of another
 * type, as sessions and their readers need them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* object may be NULL (then nothing is found). */
JsonObject *evox_json_get_object  (JsonObject *object,
                                   const char *key);
JsonArray  *evox_json_get_array   (JsonObject *object,
                                   const char *key);
const char *evox_json_get_string  (JsonObject *object,
                                   const char *key);
/* A finite number, written as an integer or not. */
gboolean    evox_json_get_number  (JsonObject *object,
                                   const char *key,
                                   double     *value);
gboolean    evox_json_node_number (JsonNode   *node,
                                   double     *value);
/* fallback when missing or not a boolean. */
gboolean    evox_json_get_boolean (JsonObject *object,
                                   const char *key,
                                   gboolean    fallback);

G_END_DECLS
