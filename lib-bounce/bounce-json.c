/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "backscatter-config.h"
#include "bounce-json.h"

#ifdef HAVE_JSON_ISTREAM
#  include "json-istream.h"
#else
#  include "json-parser.h"
#endif

/* The keys leading to the current value */
struct json_path {
	ARRAY(const char *) keys;
	string_t *str;
};

static void json_path_push(struct json_path *path, const char *key)
{
	array_push_back(&path->keys, &key);
}

static void json_path_pop(struct json_path *path)
{
	i_assert(array_count(&path->keys) > 0);
	array_pop_back(&path->keys);
}

/* The path of a member named key (NULL: an array's element) */
static const char *json_path_of(struct json_path *path, const char *key)
{
	const char *const *keyp;

	str_truncate(path->str, 0);
	array_foreach(&path->keys, keyp) {
		if (*keyp == NULL)
			continue;
		if (str_len(path->str) > 0)
			str_append_c(path->str, '.');
		str_append(path->str, *keyp);
	}
	if (key != NULL) {
		if (str_len(path->str) > 0)
			str_append_c(path->str, '.');
		str_append(path->str, key);
	}
	return str_c(path->str);
}

#ifdef HAVE_JSON_ISTREAM
/* Dovecot 2.4: lib-json's json_istream_walk() reports each node, with
   its member name, and once more at the end of an object or array */
static int
json_walk_stream(struct istream *input, struct json_path *path,
		 bounce_json_callback_t *callback, void *context,
		 const char **error_r)
{
	struct json_istream *jinput;
	struct json_node node;
	int ret;

	jinput = json_istream_create(input, JSON_ISTREAM_TYPE_NORMAL, NULL, 0);
	while ((ret = json_istream_walk(jinput, &node)) > 0) {
		if (json_node_is_end(&node)) {
			if (array_count(&path->keys) == 0)
				break;
			json_path_pop(path);
			if (array_count(&path->keys) == 0)
				break;
			continue;
		}
		if (node.type == JSON_TYPE_OBJECT ||
		    node.type == JSON_TYPE_ARRAY) {
			if (array_count(&path->keys) >= BOUNCE_JSON_MAX_DEPTH) {
				*error_r = "nested too deep";
				json_istream_destroy(&jinput);
				return -1;
			}
			if (node.type == JSON_TYPE_OBJECT)
				callback(context, json_path_of(path, node.name),
					 NULL);
			json_path_push(path, t_strdup(node.name));
			continue;
		}
		if (node.type == JSON_TYPE_STRING &&
		    node.value.content_type == JSON_CONTENT_TYPE_STRING) {
			callback(context, json_path_of(path, node.name),
				 node.value.content.str);
		}
		if (array_count(&path->keys) == 0)
			break;
	}
	if (ret < 0 && json_istream_failed(jinput)) {
		*error_r = t_strdup(json_istream_get_error(jinput));
		json_istream_destroy(&jinput);
		return -1;
	}
	json_istream_destroy(&jinput);
	return 0;
}
#else
/* Dovecot 2.3: json-parser.h gives the tokens, a key before its value */
static int
json_walk_stream(struct istream *input, struct json_path *path,
		 bounce_json_callback_t *callback, void *context,
		 const char **error_r)
{
	struct json_parser *parser;
	enum json_type type;
	const char *value, *key = NULL, *error;
	int ret;

	parser = json_parser_init_flags(input, JSON_PARSER_NO_ROOT_OBJECT);
	while ((ret = json_parse_next(parser, &type, &value)) > 0) {
		switch (type) {
		case JSON_TYPE_OBJECT_KEY:
			key = t_strdup(value);
			continue;
		case JSON_TYPE_OBJECT:
		case JSON_TYPE_ARRAY:
			if (array_count(&path->keys) >= BOUNCE_JSON_MAX_DEPTH) {
				(void)json_parser_deinit(&parser, &error);
				*error_r = "nested too deep";
				return -1;
			}
			if (type == JSON_TYPE_OBJECT)
				callback(context, json_path_of(path, key), NULL);
			json_path_push(path, key);
			break;
		case JSON_TYPE_OBJECT_END:
		case JSON_TYPE_ARRAY_END:
			json_path_pop(path);
			break;
		case JSON_TYPE_STRING:
			callback(context, json_path_of(path, key), value);
			break;
		default:
			break;
		}
		key = NULL;
		if (array_count(&path->keys) == 0)
			break;
	}
	if (json_parser_deinit(&parser, &error) < 0 &&
	    array_count(&path->keys) > 0) {
		*error_r = t_strdup(error);
		return -1;
	}
	return 0;
}
#endif

int bounce_json_walk(const unsigned char *data, size_t size,
		     bounce_json_callback_t *callback, void *context,
		     const char **error_r)
{
	struct json_path path;
	struct istream *input;
	int ret;

	t_array_init(&path.keys, BOUNCE_JSON_MAX_DEPTH);
	path.str = t_str_new(128);
	input = i_stream_create_from_data(data, size);
	ret = json_walk_stream(input, &path, callback, context, error_r);
	i_stream_unref(&input);
	return ret;
}
