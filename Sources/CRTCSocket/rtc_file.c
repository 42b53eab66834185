#define _GNU_SOURCE
#include "rtc_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int rtc_rename_noreplace(const char *from, const char *to) {
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    /* EINVAL: the file system does not support the flag; ENOSYS: a kernel before 3.15. */
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (link(from, to) != 0) return -1;
    /* The data is in place under `to`; a `from` that stays is only a second name for it. */
    (void)unlink(from);
    return 0;
}
