# conf/: sample configuration, systemd units, the pam-auth-update profile.
fioconfdir = $(fio_confdir)
dist_fioconf_DATA = conf/fio.conf

# pam-auth-update(8) reads profiles from /usr/share/pam-configs only (a
# --prefix other than /usr installs this one where it is not seen).
pamconfigsdir = $(datadir)/pam-configs
dist_pamconfigs_DATA = conf/pam-configs/fio

# systemd units. Debian 12 keeps them in /lib/systemd/system: debian/rules runs
# `make install systemdunitdir=/lib/systemd/system`. Installed with ExecStart=
# pointing at $(sbindir) and $(bindir).
systemdunitdir = $(prefix)/lib/systemd/system
SYSTEMD_UNITS = conf/systemd/fio-helperd.service conf/systemd/fio-helperd.socket \
	conf/systemd/fio-enforce.service conf/systemd/fio-enforce.timer
EXTRA_DIST += $(SYSTEMD_UNITS)

install-data-local: install-systemd-units
uninstall-local: uninstall-systemd-units
.PHONY: install-systemd-units uninstall-systemd-units

install-systemd-units:
	$(MKDIR_P) '$(DESTDIR)$(systemdunitdir)'
	@for u in $(SYSTEMD_UNITS); do \
		dest='$(DESTDIR)$(systemdunitdir)'/$${u##*/}; \
		echo " installing $$dest"; \
		sed -e 's|/usr/sbin/fio-helperd|$(sbindir)/fio-helperd|g' \
			-e 's|/usr/bin/fioctl|$(bindir)/fioctl|g' "$(srcdir)/$$u" >"$$dest.tmp" && \
			chmod 0644 "$$dest.tmp" && mv -f "$$dest.tmp" "$$dest" || exit 1; \
	done

uninstall-systemd-units:
	@for u in $(SYSTEMD_UNITS); do \
		rm -f '$(DESTDIR)$(systemdunitdir)'/$${u##*/}; \
	done
