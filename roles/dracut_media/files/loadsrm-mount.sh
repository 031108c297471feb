#!/bin/sh
# dracut runs hooks with dash or busybox sh, which have local; mkdir -m -p sets the mode of the leaf only, as meant
# shellcheck disable=SC3043,SC2174
# loadsrm for dracut live media (rescuefleet.media).
#
# With rd.loadsrm on the kernel command line, every *.srm file in the live directory of the
# medium (rd.loadsrm.dir=, else rd.live.dir=, else LiveOS) is loop-mounted read-only and
# stacked as an overlayfs lower layer of the root, above the live root image:
#     lowerdir=<first .srm>:<second .srm>:...:/run/rootfsbase
# The leftmost layer is on top, so where several modules hold a path the module whose name
# sorts first in byte order wins, as SystemRescue does. A module that does not mount is
# reported and skipped, and the boot goes on.
#
# Installed as a pre-mount hook. Both dracut's shell init and systemd run pre-mount hooks after
# dmsquash-live has mounted the live root at /run/rootfsbase and before the root is mounted at
# $NEWROOT; mounting the root here makes the shell init's mount hooks and systemd's
# sysroot.mount find it already mounted. This file is sourced by the init: no exit.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

# dracut runs hooks with dash or busybox sh, which both have `local` (POSIX sh lacks it).
# shellcheck disable=SC3043
loadsrm_run() {
    local live dir list f name mnt n loaded lower base rootflags opts err ovlfsdir

    getargbool 0 rd.loadsrm || return 0

    live=/run/initramfs/live
    dir=$(getarg rd.loadsrm.dir=)
    [ -n "$dir" ] || dir=$(getarg rd.live.dir=)
    [ -n "$dir" ] || dir=LiveOS
    while [ "${dir#/}" != "$dir" ]; do dir=${dir#/}; done
    while [ "${dir%/}" != "$dir" ]; do dir=${dir%/}; done

    if ismounted "$NEWROOT"; then
        warn "loadsrm: ERROR: $NEWROOT is already mounted, modules not loaded"
        return 0
    fi
    if ! [ -d /run/rootfsbase ]; then
        warn "loadsrm: ERROR: no live root at /run/rootfsbase (boot with root=live:... and rd.live.overlay.overlayfs=1), modules not loaded"
        return 0
    fi
    if ! [ -d "$live/$dir" ]; then
        warn "loadsrm: ERROR: no directory $dir on the live medium, modules not loaded"
        return 0
    fi

    mkdir -p /run/loadsrm && chmod 0755 /run/loadsrm
    list=/run/loadsrm/modules.list
    # Byte order whatever the shell's collation: the first name wins.
    for f in "$live/$dir"/*.srm; do
        [ -f "$f" ] && printf '%s\n' "${f##*/}"
    done | LC_ALL=C sort > "$list"

    : > /run/loadsrm/layers
    n=0
    loaded=0
    lower=
    while IFS= read -r name; do
        n=$((n + 1))
        mnt=/run/loadsrm/layer$n
        mkdir -p "$mnt" && chmod 0755 "$mnt"
        if err=$(mount -n -r -o loop "$live/$dir/$name" "$mnt" 2>&1); then
            lower="$lower${lower:+:}$mnt"
            loaded=$((loaded + 1))
            printf '%s %s\n' "$mnt" "$name" >> /run/loadsrm/layers
            info "loadsrm: loaded $dir/$name"
        else
            warn "loadsrm: ERROR: failed to mount $dir/$name, ignoring: $err"
            rmdir "$mnt" 2> /dev/null
        fi
    done < "$list"

    if [ -z "$lower" ]; then
        info "loadsrm: no module loaded from $dir"
        return 0
    fi

    base=/run/rootfsbase
    if getargbool 0 rd.live.overlay.readonly -d -y readonly_overlay && [ -h /run/overlayfs-r ]; then
        base=/run/overlayfs-r:$base
    fi
    mkdir -p /run/overlayfs /run/ovlwork && chmod 0755 /run/overlayfs /run/ovlwork
    # As dmsquash-live's overlayfs mount hook does, which will not run once the root is mounted.
    if getargbool 0 rd.live.overlay.reset -d -y reset_overlay && [ -h /run/overlayfs ]; then
        ovlfsdir=$(readlink /run/overlayfs)
        info "loadsrm: resetting the OverlayFS overlay directory"
        rm -r -- "${ovlfsdir:?}"/* "${ovlfsdir:?}"/.* > /dev/null 2>&1
    fi
    rootflags=$(getarg rootflags)
    opts="${rootflags:+$rootflags,}lowerdir=$lower:$base,upperdir=/run/overlayfs,workdir=/run/ovlwork"
    if err=$(mount -t overlay -o "$opts" LiveOS_rootfs "$NEWROOT" 2>&1); then
        info "loadsrm: root is an overlay of $loaded module(s) over the live root"
    else
        warn "loadsrm: ERROR: failed to mount the root with modules, booting without them: $err"
    fi
}

loadsrm_run
unset -f loadsrm_run
