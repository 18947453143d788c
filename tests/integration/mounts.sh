#!/bin/bash
# Mount extensions berth applies (crun's tmpcopyup and copy-symlink) and the
# mount fields it refuses before any side effect rather than ignore.
# Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# image_data BUNDLE: /data in the image: a file owned 1000:1000 mode 606 (the container has no CAP_DAC_OVERRIDE), a
# symlink, a subdirectory mode 700 with a file, and a FIFO.
image_data() {
  local r=$1/rootfs
  mkdir -p "$r/data/sub" && echo image > "$r/data/a" && chown 1000:1000 "$r/data/a" && chmod 606 "$r/data/a" &&
    ln -s a "$r/data/link" && echo deep > "$r/data/sub/b" && chmod 700 "$r/data/sub" && mkfifo "$r/data/fifo"
}

spec_only[t_tmpcopyup_keeps_image_content]="tmpcopyup is crun's extension; runc 1.1 passes it to tmpfs as data (EINVAL)"
t_tmpcopyup_keeps_image_content() {
  new_container copyup || return 1
  image_data "$b" &&
    set_cfg "$b" '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "mode=755"]}]' &&
    set_args "$b" /bin/sh -c 'grep -c " /data .* - tmpfs " /proc/self/mountinfo; stat -c "%a %u:%g" /data/a /data/sub;
      cat /data/a /data/sub/b; readlink /data/link; stat -c %F /data/fifo; echo new > /data/a; cat /data/a' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  eq "container view" "$out" "1
606 1000:1000
700 0:0
image
deep
a
fifo
new" && eq "the image's file is untouched" "$(cat "$b/rootfs/data/a")" image
}

spec_only[t_tmpcopyup_read_only]="tmpcopyup is crun's extension"
t_tmpcopyup_read_only() {
  # the copy happens before the tmpfs turns read-only
  new_container copyupro || return 1
  image_data "$b" &&
    set_cfg "$b" '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "ro"]}]' &&
    set_args "$b" /bin/sh -c 'cat /data/a; touch /data/x 2>/dev/null && echo writable || echo read-only' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  eq "container view" "$out" "image
read-only"
}

spec_only[t_copy_symlink]="copy-symlink is crun's extension"
t_copy_symlink() {
  new_container copysym || return 1
  ln -s /etc/target-of-link "$b/hostlink" || return 1
  set_cfg "$b" '.mounts += [{destination: "/etc/mylink", type: "bind", source: "hostlink", options: ["bind", "copy-symlink"]}]' &&
    set_args "$b" /bin/sh -c 'readlink /etc/mylink; grep -c " /etc/mylink " /proc/self/mountinfo' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "container view" "$out" "/etc/target-of-link
0"
}

# refused CONFIG-EDIT MESSAGE: create fails with MESSAGE and leaves nothing.
# The container's stdio is a file: a runtime that wrongly creates it must
# not hold the check's pipe open.
refused() {
  new_container refused || return 1
  set_cfg "$b" "$1" || return 1
  local rc=0; runtime create --bundle "$b" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" || rc=$?
  eq "exit status" "$rc" 1 && has "error" "$(cat "$T/io/$id.err")" "$2" && no_state "$id"
}
spec_only[t_tmpcopyup_needs_tmpfs]="runc 1.1 does not know tmpcopyup"
t_tmpcopyup_needs_tmpfs() {
  refused '.mounts += [{destination: "/data", type: "bind", source: "/tmp", options: ["rbind", "tmpcopyup"]}]' \
    '.options: "tmpcopyup" needs type "tmpfs", got "bind"'
}
spec_only[t_idmapped_mount_with_mappings]="runc 1.1 has no id-mapped mounts (runc 1.2)"
t_idmapped_mount_with_mappings() {
  # runc's semantics: what the file system has as containerID shows as
  # hostID (here without a user namespace, so as the host would see it);
  # the unmapped root cannot write through the mount (EOVERFLOW)
  new_container idmap || return 1
  local src=$T/idmap-src-$id
  mkdir -p "$src" && echo data > "$src/f" && chown 0:0 "$src/f" && chown 7:8 "$src" || return 1
  set_cfg "$b" '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind"],
      uidMappings: [{containerID: 0, hostID: 1000, size: 7}],
      gidMappings: [{containerID: 0, hostID: 2000, size: 8}]}]' --arg s "$src" &&
    set_args "$b" /bin/sh -c 'stat -c "%u:%g" /mnt/f /mnt; (echo x > /mnt/g) 2>/dev/null || echo refused' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  eq "container view" "$out" "1000:2000
65534:65534
refused" && eq "source untouched on the host" "$(stat -c %u:%g "$src/f")" "0:0"
}
spec_only[t_idmapped_mount_container_userns]="runc 1.1 has no id-mapped mounts (runc 1.2)"
t_idmapped_mount_container_userns() {
  # "idmap" alone: the container's own user namespace maps the mount, so
  # host root's files are the container root's, not nobody's
  new_container idmapns || return 1
  local src=$T/idmapns-src-$id
  mkdir -p "$src" "$b/rootfs/mnt" "$b/rootfs/plain" && echo data > "$src/f" || return 1
  chmod 711 "$T" && chmod 711 "$T/bundles" || return 1
  set_cfg "$b" '.linux.namespaces += [{type: "user"}]
      | .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
      | .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
      | .mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "idmap"]},
                    {destination: "/plain", type: "bind", source: $s, options: ["rbind"]}]' --arg s "$src" &&
    set_args "$b" /bin/sh -c 'stat -c "%u:%g" /mnt/f /plain/f' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  eq "id-mapped and plain views" "$out" "0:0
65534:65534"
}

spec_only[t_mount_label_without_selinux_refused]="runc ignores linux.mountLabel without SELinux"
[ -e /sys/fs/selinux/enforce ] && skip mount_label_without_selinux_refused "SELinux is enabled on this host"
[ -e /sys/fs/selinux/enforce ] || t_mount_label_without_selinux_refused() {
  refused '.linux.mountLabel = "system_u:object_r:container_file_t:s0"' \
    'linux.mountLabel: "system_u:object_r:container_file_t:s0" needs SELinux, which is not enabled on this host'
}

run_checks
finish
