/* grouppath.h - static group paths ("All/HQ/Linux"), one rule for the server and the installer. */
#ifndef MUSTER_GROUPPATH_H
#define MUSTER_GROUPPATH_H

#include <stddef.h>

#define GROUP_PATH_MAX  512 /* bytes of a normalised path, with its NUL */
#define GROUP_NAME_MAX  64  /* bytes of one component */
#define GROUP_DEPTH_MAX 16  /* components, "All" included */

/*
 * Normalise a static group path: components separated by '/', each 1..64
 * bytes of safe text without '/', at most 16 deep, "All" as the root (added
 * when missing: "HQ/Linux" is "All/HQ/Linux"). Blanks around components and
 * empty components ("a//b", trailing '/') are refused. 0 or MUSTER_EINVAL
 * with the reason in err.
 */
int group_path_normalize(const char *in, char out[GROUP_PATH_MAX], char *err, size_t errlen);

#endif
