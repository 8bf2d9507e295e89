/* grouppath.c - normalise static group paths (docs/protocol.md, groups). */
#include <ctype.h>
#include <string.h>

#include "common/grouppath.h"
#include "common/muster.h"
#include "common/text.h"

int
group_path_normalize(const char *in, char out[GROUP_PATH_MAX], char *err, size_t errlen)
{
	size_t o = 0, depth = 0;
	const char *p = in;

	out[0] = '\0';
	if (in == NULL || *in == '\0')
		return muster_fail(err, errlen, MUSTER_EINVAL, "empty group path");
	if (strncmp(in, "All", 3) != 0 || (in[3] != '\0' && in[3] != '/')) {
		memcpy(out, "All", 4);
		o = 3;
		depth = 1;
	}
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0)
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "empty component in group path");
		if (len > GROUP_NAME_MAX)
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "group name longer than %d bytes", GROUP_NAME_MAX);
		if (isspace((unsigned char)p[0]) || isspace((unsigned char)p[len - 1]))
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "blank at the start or end of a group name");
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\')
				return muster_fail(err, errlen, MUSTER_EINVAL,
				                   "control character or backslash in group path");
		}
		if (!text_utf8_valid(p, len))
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "group path is not valid UTF-8");
		if (++depth > GROUP_DEPTH_MAX)
			return muster_fail(err, errlen, MUSTER_EINVAL, "group path deeper than %d",
			                   GROUP_DEPTH_MAX);
		if (o + (o > 0) + len + 1 > GROUP_PATH_MAX)
			return muster_fail(err, errlen, MUSTER_EINVAL, "group path too long");
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		out[o] = '\0';
		p += len;
		if (*p == '/') {
			p++;
			if (*p == '\0')
				return muster_fail(err, errlen, MUSTER_EINVAL,
				                   "group path ends with '/'");
		}
	}
	if (strcmp(out, "All") != 0 && strncmp(out, "All/", 4) != 0)
		return muster_fail(err, errlen, MUSTER_EINVAL, "group path must start with All");
	return 0;
}
