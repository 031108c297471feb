#!/bin/sh
# dracut runs hooks with dash or busybox sh, which have local; mkdir -m -p sets the mode of the leaf only, as meant
# shellcheck disable=SC3043,SC2174
# loadsrm for dracut live media (rescuefleet.media): the functions of its hooks, installed as /lib/loadsrm-lib.sh.
#
# With rd.loadsrm on the kernel command line, every *.srm file in the live directory of the medium is
# loop-mounted read-only and stacked as an overlayfs lower layer of the root, above the live root image:
#     lowerdir=<first .srm>:<second .srm>:...:/run/rootfsbase
# The leftmost layer is on top, so where several modules hold a path the module whose name sorts first in
# byte order wins, as SystemRescue does. A module that does not mount is reported and skipped, and the boot
# goes on. The live directory is dmsquash-live's: rd.live.dir=, or its deprecated alias live_dir= (read with
# getarg as dmsquash-live reads it), else LiveOS; rd.loadsrm.dir= names another one for the modules.
#
# rd.live.ram=1 (or the deprecated live_ram), with which dmsquash-live copies the root image to RAM so that
# the medium can be pulled, copies every module into /run/loadsrm/ram/ (tmpfs) first and mounts the copy, as
# archiso's copytoram copies SystemRescue's modules: nothing of the root is then read from the medium. A
# module that does not fit is reported and skipped.
#
# rd.live.overlay.readonly (or readonly_overlay) with a persisted overlay (/run/overlayfs-r, which
# dmsquash-live links to the overlay directory of rd.live.overlay=) puts that overlay above the modules, as
# dracut's own overlayfs mount does above the root image: files the user saved win over the modules, as
# archiso's persistent copy-on-write layer does over SystemRescue's modules.
#
# Network boots: each rd.loadsrm.url=<url>#sha256=<64 hex digits> (repeatable, no rd.loadsrm needed) names
# one module, fetched with url-lib's fetch_url (so rd.noverifyssl and proxy= apply, as for the live root)
# into /run/loadsrm/net/ (tmpfs) from an initqueue/online hook, once the network is up; an initqueue/finished
# condition makes the boot wait for it, and an initqueue/timeout hook gives up when no interface comes up.
# Its name is the last path component of the URL; fetched and on-medium modules are stacked together in the
# same byte order of their names. A module whose download fails, whose sha256 differs or that is given
# without one is reported and skipped: a module arrives over an unauthenticated network, and a checksum from
# the per-client boot script is what vouches for it.
#
# The hooks only call these functions; everything is sourced by the init (no exit), names start with
# loadsrm_.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

# The rd.loadsrm.url= values, one a line.
loadsrm_urls() {
    getargs rd.loadsrm.url=
}

# The live directory of the medium, without leading or trailing slashes.
loadsrm_dir() {
    local dir
    dir=$(getarg rd.loadsrm.dir=)
    [ -n "$dir" ] || dir=$(getarg rd.live.dir -d live_dir)
    [ -n "$dir" ] || dir=LiveOS
    while [ "${dir#/}" != "$dir" ]; do dir=${dir#/}; done
    while [ "${dir%/}" != "$dir" ]; do dir=${dir%/}; done
    printf '%s\n' "$dir"
}

# cmdline hook: with rd.loadsrm.url=, bring the network up (as livenet does for live.updates=) and make the
# initqueue wait until the modules were fetched or given up.
# hookdir comes from dracut-lib.sh, netroot from the cmdline hooks of the network root modules (livenet's)
# shellcheck disable=SC2154
loadsrm_need_net() {
    [ -n "$(loadsrm_urls)" ] || return 0
    mkdir -m 0755 -p /run/loadsrm
    if ! [ -e /lib/url-lib.sh ] || ! [ -e /lib/net-lib.sh ]; then
        warn "loadsrm: ERROR: rd.loadsrm.url= needs the network and url-lib in the initramfs (build it with the livenet dracut module, or network and url-lib); no module is fetched"
        : > /run/loadsrm/net.done
        return 0
    fi
    [ -n "$netroot" ] || [ -e /tmp/net.ifaces ] || echo > /tmp/net.ifaces
    echo '[ -e /run/loadsrm/net.done ]' > "$hookdir"/initqueue/finished/loadsrm.sh
}

# loadsrm_fetch NAME URL#sha256=HEX FILE: download with url-lib's fetch_url, check the sha256; report and
# fail otherwise.
loadsrm_fetch() {
    local name="$1" url="${2%%#*}" want="${2#*#sha256=}" file="$3" rc err line got cr
    [ "$want" != "$2" ] || want=
    case $want in
        *[!0-9a-fA-F]* | "") want= ;;
    esac
    if [ ${#want} -ne 64 ]; then
        warn "loadsrm: ERROR: no sha256 for $url (write rd.loadsrm.url=$url#sha256=<64 hex digits>), ignoring"
        return 1
    fi
    rm -f -- "$file.part"
    fetch_url "$url" "$file.part" > /dev/null 2> "$file.err"
    rc=$?
    if [ "$rc" -ne 0 ] || ! [ -f "$file.part" ]; then
        # curl's error line (curl: (60) ...), else its last line; its progress meter ends its updates with
        # carriage returns
        cr=$(printf '\r')
        err=
        while IFS= read -r line || [ -n "$line" ]; do
            line=${line##*"$cr"}
            case $err in
                "curl: ("*) ;;
                *) [ -z "$line" ] || err=$line ;;
            esac
        done < "$file.err"
        warn "loadsrm: ERROR: failed to download $url (fetch_url exit status $rc), ignoring: $err"
        rm -f -- "$file.part" "$file.err"
        return 1
    fi
    rm -f -- "$file.err"
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

# initqueue/online hook: fetch every rd.loadsrm.url= module once, on the first interface that comes up.
# /run/loadsrm/net.list: "name<TAB>file<TAB>url" of each module fetched and checked.
loadsrm_fetch_all() {
    local urls url i name file oldifs
    [ -e /run/loadsrm/net.done ] && return 0
    urls=$(loadsrm_urls)
    [ -n "$urls" ] || return 0
    type fetch_url > /dev/null 2>&1 || . /lib/url-lib.sh
    mkdir -m 0755 -p /run/loadsrm
    mkdir -m 0700 -p /run/loadsrm/net
    : > /run/loadsrm/net.list
    # one URL a line: split on newlines only, nothing globbed; fetch_url runs with the usual IFS
    oldifs=$IFS
    set -f
    IFS='
'
    # shellcheck disable=SC2086
    set -- $urls
    IFS=$oldifs
    set +f
    i=0
    for url in "$@"; do
        [ -n "$url" ] || continue
        i=$((i + 1))
        name=${url%%#*}
        name=${name%%\?*}
        name=${name##*/}
        file=/run/loadsrm/net/$i-$name
        if loadsrm_fetch "$name" "$url" "$file"; then
            printf '%s\t%s\t%s\n' "$name" "$file" "${url%%#*}" >> /run/loadsrm/net.list
        fi
    done
    : > /run/loadsrm/net.done
}

# initqueue/timeout hook: no interface came up in time; boot without the fetched modules.
loadsrm_give_up() {
    [ -e /run/loadsrm/net.done ] && return 0
    [ -n "$(loadsrm_urls)" ] || return 0
    warn "loadsrm: ERROR: no network interface came up, so no rd.loadsrm.url= module was fetched; booting without them"
    mkdir -m 0755 -p /run/loadsrm
    : > /run/loadsrm/net.done
}

# pre-mount hook: stack the modules and mount the root. Both dracut's shell init and systemd run pre-mount
# hooks after dmsquash-live has mounted the live root at /run/rootfsbase and before the root is mounted at
# $NEWROOT; mounting the root here makes the shell init's mount hooks and systemd's sysroot.mount find it
# already mounted.
loadsrm_mount() {
    local live dir list f name src mnt n loaded lower rootflags opts err ovlfsdir medium net ram tab file
    net=
    [ -s /run/loadsrm/net.list ] && net=1
    medium=
    getargbool 0 rd.loadsrm && medium=1
    [ -n "$medium" ] || [ -n "$net" ] || [ -n "$(loadsrm_urls)" ] || return 0

    live=/run/initramfs/live
    dir=$(loadsrm_dir)
    ram=
    getargbool 0 rd.live.ram -d -y live_ram && ram=1

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
        [ -n "$(loadsrm_urls)" ] || warn "loadsrm: ERROR: no directory $dir on the live medium, modules not loaded"
        medium=
    fi

    mkdir -m 0755 -p /run/loadsrm
    list=/run/loadsrm/modules.list
    tab=$(printf '\t')
    # "name<TAB>file<TAB>what to call it", sorted in byte order of the name whatever the shell's collation:
    # the first name wins
    {
        if [ -n "$medium" ]; then
            for f in "$live/$dir"/*.srm; do
                [ -f "$f" ] && printf '%s\t%s\t%s\n' "${f##*/}" "$f" "$dir/${f##*/}"
            done
        fi
        [ -z "$net" ] || cat /run/loadsrm/net.list
    } | LC_ALL=C sort -t "$tab" -k1,1 > "$list"

    : > /run/loadsrm/layers
    n=0
    loaded=0
    lower=
    while IFS="$tab" read -r name file src; do
        n=$((n + 1))
        mnt=/run/loadsrm/layer$n
        if [ -n "$ram" ] && [ "$file" = "$live/$src" ]; then
            mkdir -m 0755 -p /run/loadsrm/ram
            if err=$(cp -- "$file" "/run/loadsrm/ram/$n-$name" 2>&1); then
                info "loadsrm: copied $src to RAM (rd.live.ram)"
                file=/run/loadsrm/ram/$n-$name
            else
                warn "loadsrm: ERROR: cannot copy $src to RAM (rd.live.ram), ignoring: $err"
                rm -f -- "/run/loadsrm/ram/$n-$name"
                continue
            fi
        fi
        mkdir -m 0755 -p "$mnt"
        if err=$(mount -n -r -o loop "$file" "$mnt" 2>&1); then
            lower="$lower${lower:+:}$mnt"
            loaded=$((loaded + 1))
            printf '%s %s\n' "$mnt" "$name" >> /run/loadsrm/layers
            info "loadsrm: loaded $src"
        else
            warn "loadsrm: ERROR: failed to mount $src, ignoring: $err"
            rmdir "$mnt" 2> /dev/null
            # a fetched module or a copy takes RAM
            [ "$file" = "$live/$src" ] || rm -f -- "$file"
        fi
    done < "$list"

    if [ -z "$lower" ]; then
        info "loadsrm: no module loaded"
        return 0
    fi

    # the persisted overlay of rd.live.overlay.readonly goes above the modules: what the user saved wins
    lower="$lower:/run/rootfsbase"
    if getargbool 0 rd.live.overlay.readonly -d -y readonly_overlay && [ -h /run/overlayfs-r ]; then
        lower="/run/overlayfs-r:$lower"
    fi
    mkdir -m 0755 -p /run/overlayfs /run/ovlwork
    # As dmsquash-live's overlayfs mount hook does, which will not run once the root is mounted.
    if getargbool 0 rd.live.overlay.reset -d -y reset_overlay && [ -h /run/overlayfs ]; then
        ovlfsdir=$(readlink /run/overlayfs)
        info "loadsrm: resetting the OverlayFS overlay directory"
        rm -r -- "${ovlfsdir:?}"/* "${ovlfsdir:?}"/.* > /dev/null 2>&1
    fi
    rootflags=$(getarg rootflags)
    opts="${rootflags:+$rootflags,}lowerdir=$lower,upperdir=/run/overlayfs,workdir=/run/ovlwork"
    if err=$(mount -t overlay -o "$opts" LiveOS_rootfs "$NEWROOT" 2>&1); then
        info "loadsrm: root is an overlay of $loaded module(s) over the live root"
    else
        warn "loadsrm: ERROR: failed to mount the root with modules, booting without them: $err"
    fi
}
