/*
 * flow_session.h - the session registry (FIO_MSG_SESSION from
 * pam_sm_open_session / pam_sm_close_session): who is logged in where, with
 * the session leader's pid, so that `fioctl enforce` can end the sessions the
 * 2FA policy says must end.
 */
#ifndef FIO_FLOW_SESSION_H
#define FIO_FLOW_SESSION_H

#include <stdint.h>

#include "fio-codec.h"

struct fio_conn;

/* Decodes and handles one SESSION request. The leader is the caller's process
 * (SO_PEERCRED pid), never a pid from the frame; uid 0 may register any
 * account, others only their own (refusals look like an unknown account:
 * IGNORE). -1 on a decode error. */
int flow_session_start(struct fio_conn *c, struct fio_buf *payload);

/* The start time of pid (/proc/PID/stat field 22, clock ticks since boot),
 * or 0 if it cannot be read. */
uint64_t fio_proc_start_time(int64_t pid);

#endif /* FIO_FLOW_SESSION_H */
