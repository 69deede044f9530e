/*
 * flow_ctl.h - fioctl commands (FIO_MSG_CTL) and the enrolment conversation.
 */
#ifndef FIO_FLOW_CTL_H
#define FIO_FLOW_CTL_H

#include "fio-codec.h"

struct fio_conn;

/* Decodes a CTL request, authorises it and runs it; -1 on a decode error
 * (the connection is closed). */
int flow_ctl_start(struct fio_conn *c, struct fio_buf *payload);

#endif /* FIO_FLOW_CTL_H */
