# Sourced by the scripts that install what a fresh Debian machine lacks.
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# apt_install WHAT PACKAGE...: say so on stderr, then install quietly.
apt_install() {
    echo "$(basename "$0" .sh): installing $1 with apt-get" >&2
    shift
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
