#!/bin/bash
# build-systemd-overlay.sh OUT: a second gzip'd newc cpio archive that
# tests/vm/run.sh (BERTH_VM_FLAVOUR=systemd) appends to the one
# build-initramfs.sh makes.  The kernel unpacks concatenated archives in
# order, so these files are added to, or replace, the first one's:
#
#   /init                        init-systemd.sh (systemd as PID 1)
#   /lib/systemd/systemd         this host's systemd, with its libraries
#   /usr/bin/systemctl, busctl   for the checks, with their libraries
#   /usr/bin/dbus-daemon         the system bus (runc and berth use it when
#                                it is there; BERTH_VM_DBUS=0 leaves it out,
#                                and both fall back to /run/systemd/private)
#   /etc/systemd/system/         berth-test.target and .service, which run
#                                systemd-stage.sh and nothing else
#
# Only this host's Debian packages (systemd, dbus) are used.
set -uo pipefail
out=${1:?usage: build-systemd-overlay.sh OUT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "vm systemd overlay: $*" >&2; exit 1; }
[ -x /lib/systemd/systemd ] || die "systemd is not installed on this host"

stage=$(mktemp -d "${TMPDIR:-/tmp}/berth-vm-sd.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT

with_libs() {  # with_libs SRC DEST: the ELF and what ldd resolves for it
  mkdir -p "$stage$(dirname "$2")" && cp -L "$1" "$stage$2" || return 1
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+'); do
    [ -e "$stage$lib" ] && continue
    mkdir -p "$stage$(dirname "$lib")" && cp -L "$lib" "$stage$lib" || return 1
  done
}
with_libs /lib/systemd/systemd /lib/systemd/systemd || die "cannot copy systemd"
with_libs "$(command -v systemctl)" /usr/bin/systemctl || die "cannot copy systemctl"
with_libs "$(command -v busctl)" /usr/bin/busctl || die "cannot copy busctl"

mkdir -p "$stage/etc/systemd/system" "$stage/opt/berth"
: > "$stage/etc/machine-id"  # empty: systemd makes a transient one
printf 'ID=berth-vm\nNAME="berth test guest"\n' > "$stage/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
  > "$stage/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nmessagebus:x:101:\nnogroup:x:65534:\n' > "$stage/etc/group"

cat > "$stage/etc/systemd/system/berth-test.target" <<'EOF'
[Unit]
Description=berth systemd cgroup driver tests
Requires=berth-test.service
After=berth-test.service
EOF
after=
if [ "${BERTH_VM_DBUS:-1}" = 1 ] && [ -x /usr/bin/dbus-daemon ]; then
  with_libs /usr/bin/dbus-daemon /usr/bin/dbus-daemon || die "cannot copy dbus-daemon"
  mkdir -p "$stage/usr/share/dbus-1/system.d" "$stage/var/lib/dbus"
  cp /usr/share/dbus-1/system.conf "$stage/usr/share/dbus-1/system.conf" || die "no dbus system.conf"
  # systemd must own its name on the bus, and root talk to it (systemd's
  # own policy file may be missing from a minimal host).
  cat > "$stage/usr/share/dbus-1/system.d/berth-test-systemd1.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.freedesktop.systemd1"/>
    <allow send_destination="org.freedesktop.systemd1"/>
  </policy>
  <policy context="default">
    <allow receive_sender="org.freedesktop.systemd1"/>
  </policy>
</busconfig>
EOF
  # systemd connects to the bus once both of these (by these names) run.
  # No default dependencies: the guest has no sysinit.target.
  cat > "$stage/etc/systemd/system/dbus.socket" <<'EOF'
[Unit]
Description=D-Bus System Message Bus Socket
DefaultDependencies=no

[Socket]
ListenStream=/run/dbus/system_bus_socket
EOF
  cat > "$stage/etc/systemd/system/dbus.service" <<'EOF'
[Unit]
Description=D-Bus System Message Bus
DefaultDependencies=no
Requires=dbus.socket

[Service]
Type=notify
NotifyAccess=main
ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation
EOF
  after="Requires=dbus.socket dbus.service
After=dbus.socket dbus.service"
fi
cat > "$stage/etc/systemd/system/berth-test.service" <<EOF
[Unit]
Description=berth systemd cgroup driver tests
DefaultDependencies=no
$after

[Service]
Type=oneshot
StandardOutput=null
StandardError=null
ExecStart=/bin/sh /opt/berth/systemd-stage.sh
EOF
install -m 0755 "$here/init-systemd.sh" "$stage/init" &&
  install -m 0755 "$here/systemd-stage.sh" "$stage/opt/berth/systemd-stage.sh" ||
  die "cannot stage init"

( cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet ) | gzip -1 > "$out.tmp" &&
  mv "$out.tmp" "$out" || die "cpio failed"
