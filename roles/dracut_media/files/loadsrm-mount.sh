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
# Network boots: each rd.loadsrm.url=<url>#sha256=<64 hex digits> (repeatable, no rd.loadsrm
# needed) names one module to fetch over HTTP into /run/loadsrm/net/ (tmpfs). Its name is the last
# path component of the URL; fetched and on-medium modules are stacked together in the same byte
# order of their names, so the first name wins here too. A module whose download fails, whose
# sha256 differs or that is given without one is reported and skipped: a module arrives over an
# unauthenticated network, and a checksum from the per-client boot script is what vouches for it.
# Fetching needs curl in the initramfs (dracut's url-lib, which livenet pulls in).
#
# Installed as a pre-mount hook. Both dracut's shell init and systemd run pre-mount hooks after
# dmsquash-live has mounted the live root at /run/rootfsbase and before the root is mounted at
# $NEWROOT; mounting the root here makes the shell init's mount hooks and systemd's
# sysroot.mount find it already mounted. This file is sourced by the init: no exit.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

# loadsrm_fetch NAME URL#sha256=HEX FILE: download, check the sha256; report and fail otherwise.
# shellcheck disable=SC3043
loadsrm_fetch() {
    local name="$1" url="${2%%#*}" want="${2#*#sha256=}" file="$3" err got
    [ "$want" != "$2" ] || want=
    case $want in
        *[!0-9a-fA-F]* | "") want= ;;
    esac
    if [ ${#want} -ne 64 ]; then
        warn "loadsrm: ERROR: no sha256 for $url (write rd.loadsrm.url=$url#sha256=<64 hex digits>), ignoring"
        return 1
    fi
    if ! command -v curl > /dev/null; then
        warn "loadsrm: ERROR: no curl in the initramfs to fetch $url (build it with the livenet or url-lib dracut module), ignoring"
        return 1
    fi
    mkdir -p /run/loadsrm/net && chmod 0700 /run/loadsrm/net
    if ! err=$(curl --globoff --location --fail --silent --show-error --retry 3 --connect-timeout 20 \
        --output "$file.part" -- "$url" 2>&1); then
        warn "loadsrm: ERROR: failed to download $url, ignoring: $err"
        rm -f -- "$file.part"
        return 1
    fi
    got=$(sha256sum < "$file.part")
    got=${got%% *}
    want=$(printf '%s' "$want" | tr 'A-F' 'a-f')
    if [ "$got" != "$want" ]; then
        warn "loadsrm: ERROR: sha256 of $url is $got, not $want as the boot entry says, ignoring"
        rm -f -- "$file.part"
        return 1
    fi
    mv -f -- "$file.part" "$file"
    info "loadsrm: fetched $name from $url (sha256 $got)"
}

# dracut runs hooks with dash or busybox sh, which both have `local` (POSIX sh lacks it).
# shellcheck disable=SC3043
loadsrm_run() {
    local live dir list f name mnt n loaded lower base rootflags opts err ovlfsdir
    local urls url src medium

    urls=$(getargs rd.loadsrm.url=)
    medium=
    getargbool 0 rd.loadsrm && medium=1
    [ -n "$medium" ] || [ -n "$urls" ] || return 0

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
    if [ -n "$medium" ] && ! [ -d "$live/$dir" ]; then
        # A network boot has no medium; its modules come from rd.loadsrm.url=.
        [ -n "$urls" ] || warn "loadsrm: ERROR: no directory $dir on the live medium, modules not loaded"
        medium=
    fi

    mkdir -p /run/loadsrm && chmod 0755 /run/loadsrm
    list=/run/loadsrm/modules.list
    # "name<TAB>source", sorted in byte order of the name whatever the shell's collation: the
    # first name wins. The source is the URL (with its #sha256=) or the path on the medium.
    {
        if [ -n "$medium" ]; then
            for f in "$live/$dir"/*.srm; do
                [ -f "$f" ] && printf '%s\t%s\n' "${f##*/}" "$dir/${f##*/}"
            done
        fi
        # One URL a line (getargs); read, not a for loop, so that nothing in a URL is globbed.
        [ -z "$urls" ] || printf '%s\n' "$urls" | while IFS= read -r url; do
            [ -n "$url" ] || continue
            name=${url%%#*}
            name=${name%%\?*}
            printf '%s\t%s\n' "${name##*/}" "$url"
        done
    } | LC_ALL=C sort -t "$(printf '\t')" -k1,1 > "$list"

    : > /run/loadsrm/layers
    n=0
    loaded=0
    lower=
    while IFS="$(printf '\t')" read -r name src; do
        n=$((n + 1))
        mnt=/run/loadsrm/layer$n
        f=$live/$src
        case $src in
            *://*)
                loadsrm_fetch "$name" "$src" "/run/loadsrm/net/$n-$name" || continue
                f="/run/loadsrm/net/$n-$name"
                src=${src%%#*}
                ;;
        esac
        mkdir -p "$mnt" && chmod 0755 "$mnt"
        if err=$(mount -n -r -o loop "$f" "$mnt" 2>&1); then
            lower="$lower${lower:+:}$mnt"
            loaded=$((loaded + 1))
            printf '%s %s\n' "$mnt" "$name" >> /run/loadsrm/layers
            info "loadsrm: loaded $src"
        else
            warn "loadsrm: ERROR: failed to mount $src, ignoring: $err"
            rmdir "$mnt" 2> /dev/null
            # a fetched module takes RAM
            [ "$f" = "$live/$src" ] || rm -f -- "$f"
        fi
    done < "$list"

    if [ -z "$lower" ]; then
        info "loadsrm: no module loaded"
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
unset -f loadsrm_run loadsrm_fetch
