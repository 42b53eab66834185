#ifndef RTC_PROCESS_H
#define RTC_PROCESS_H

/* A pidfd for the child `pid` (pidfd_open(2), Linux 5.3+): it turns readable when the child
   exits, so a parent can poll(2) for the exit with a timeout instead of sleeping between
   waitpid(WNOHANG) calls. -1 with errno (ENOSYS on older kernels). Swift cannot call the
   variadic syscall(2), and Glibc's module lacks <sys/pidfd.h>. */
int rtc_pidfd_open(int pid);

#endif
