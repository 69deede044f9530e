dist_man_MANS = man/pam_fio.8 man/fio-helperd.8 man/fioctl.8 man/fio.conf.5
