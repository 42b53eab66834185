#ifndef RTC_THREAD_H
#define RTC_THREAD_H

/* Names the calling thread (at most 15 bytes are kept); pthread_setname_np needs _GNU_SOURCE,
   which Swift's Glibc module lacks. */
void rtc_set_thread_name(const char *name);

#endif
