#ifndef RTC_FILE_H
#define RTC_FILE_H

/* Moves `from` to `to` only if `to` does not exist (not even as a dangling symlink): 0, or -1
   with errno (EEXIST when `to` exists). renameat2(RENAME_NOREPLACE) needs _GNU_SOURCE, which
   Swift's Glibc module lacks; on a file system without it, link(2) + unlink(2), which never
   replace either. Unlike a check followed by rename(2), no race can replace a file. */
int rtc_rename_noreplace(const char *from, const char *to);

#endif
