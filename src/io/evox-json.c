/* evox-json.c: typed members of a JSON object. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-json.h"

#include <math.h>

static JsonNode *
member (JsonObject *object,
        const char *key)
{
  return object != NULL ? json_object_get_member (object, key) : NULL;
}

JsonObject *
evox_json_get_object (JsonObject *object,
                      const char *key)
{
  JsonNode *node = member (object, key);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
evox_json_get_array (JsonObject *object,
                     const char *key)
{
  JsonNode *node = member (object, key);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
evox_json_get_string (JsonObject *object,
                      const char *key)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
evox_json_node_number (JsonNode *node,
                       double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else
    return FALSE;
  return isfinite (*value);
}

gboolean
evox_json_get_number (JsonObject *object,
                      const char *key,
                      double     *value)
{
  return evox_json_node_number (member (object, key), value);
}

gboolean
evox_json_get_boolean (JsonObject *object,
                       const char *key,
                       gboolean    fallback)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}
