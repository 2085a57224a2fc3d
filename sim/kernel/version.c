/*
** version.c — see version.h. The four strings come from the file that
** tools/version_c.sh generates in the build folder (version_data.c).
*/
#include "version.h"

json_t *version_stamp(json_t *o)
{
    json_object_set_new(o, "version", json_string(version_release()));
    json_object_set_new(o, "build", json_string(version_build()));
    return o;
}
