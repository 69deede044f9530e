# conf/: sample configuration.
fioconfdir = $(fio_confdir)
dist_fioconf_DATA = conf/fio.conf
