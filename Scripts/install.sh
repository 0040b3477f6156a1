#!/bin/sh
# Installs smtpsh from the folder this script is in: the release tarball, unpacked (its
# install.sh), or the tree Scripts/install has just built. No Swift is needed.
#
#   ./install.sh                         into /usr/local (as root, or through sudo)
#   ./install.sh --prefix ~/.local       into your home: ~/.local/bin, ~/.local/share/…
#   ./install.sh --uninstall [--prefix DIR]   removes the files it installs
#
# It copies bin/smtpsh, the man page, the bash, zsh and fish completions and share/doc/smtpsh
# (the guide, the copyright and changelog) to the same places under the prefix.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"

prefix=/usr/local
action=install
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }
                  prefix="$2"; shift 2 ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$here/bin/smtpsh" ] || { echo "install.sh: no bin/smtpsh beside this script" >&2; exit 1; }

# Every file of the tree but this script, as paths under the prefix.
files="$(cd "$here" && find bin share -type f | LC_ALL=C sort)"

sudo=""
if [ "$(id -u)" != 0 ]; then
    probe="$prefix"
    while [ ! -d "$probe" ]; do probe="$(dirname "$probe")"; done
    if [ ! -w "$probe" ] || { [ -d "$prefix/bin" ] && [ ! -w "$prefix/bin" ]; }; then
        command -v sudo >/dev/null 2>&1 || { echo "install.sh: $prefix is not writable; run as root" >&2; exit 1; }
        sudo="sudo"
    fi
fi

if [ "$action" = uninstall ]; then
    echo "$files" | while IFS= read -r file; do
        if [ -e "$prefix/$file" ]; then $sudo rm -f "$prefix/$file"; fi
    done
    # The folders left empty, deepest first, but for the prefix's own: bin, share, share/man.
    echo "$files" | while IFS= read -r file; do
        dir="$(dirname "$file")"
        while [ "$dir" != . ]; do echo "$dir"; dir="$(dirname "$dir")"; done
    done | LC_ALL=C sort -u -r | while IFS= read -r dir; do
        case "$dir" in bin|share|share/man) continue ;; esac
        $sudo rmdir "$prefix/$dir" 2>/dev/null || true
    done
    echo "install.sh: removed smtpsh from $prefix" >&2
    exit 0
fi

echo "$files" | while IFS= read -r file; do
    mode=0644
    [ "$file" = bin/smtpsh ] && mode=0755
    $sudo install -d "$prefix/$(dirname "$file")"
    $sudo install -m "$mode" "$here/$file" "$prefix/$file"
done
# An older installation put the page there uncompressed; man would show that one.
if [ -e "$prefix/share/man/man1/smtpsh.1" ]; then $sudo rm -f "$prefix/share/man/man1/smtpsh.1"; fi

echo "install.sh: $prefix/bin/smtpsh, man smtpsh, completions for bash, zsh and fish, and $prefix/share/doc/smtpsh" >&2
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "install.sh: add $prefix/bin to your PATH" >&2 ;; esac
# libedit is loaded when a session starts, not at start-up: say so now rather than then.
if command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q 'libedit\.so\.2 '; then
    echo "install.sh: the interactive prompt needs libedit (libedit.so.2: 'apt install libedit2' on Debian and Ubuntu)" >&2
fi
