#!/bin/sh
# install-deps.sh: make sure the Debian packages cjkfts builds against are present.
# Usage: tools/install-deps.sh PACKAGE...
# Installs what is missing with apt-get (through sudo when not root); when that is not
# possible it stops and prints the exact command to run.
set -u
missing=""
for p in "$@"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "cjkfts: installing missing packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "cjkfts: cannot install packages without root. Run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q $missing >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    if ! $SUDO apt-get install -y -q $missing; then
        echo "cjkfts: package installation failed. Run:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
        exit 1
    fi
fi
exit 0
