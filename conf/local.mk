# conf/: sample configuration.
fioconfdir = $(fio_confdir)
dist_fioconf_DATA = conf/fio.conf
EXTRA_DIST += conf/systemd/fio-enforce.service conf/systemd/fio-enforce.timer
