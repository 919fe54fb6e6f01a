# Sourced by scripts/test: the real systems some tests talk to (Debian's chromium, mosquitto).
# As root (CI) a missing package is installed with apt-get; elsewhere the tests that need it
# skip and say why. A failed install is reported, never fatal: those tests then skip.
wanted_packages=(chromium mosquitto)
missing=()
for pkg in "${wanted_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== apt-get install ${missing[*]}"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends "${missing[@]}"; } >/tmp/sense-apt.log 2>&1; then
            echo "warning: apt-get install ${missing[*]} failed (see /tmp/sense-apt.log);" \
                "the tests that need them will skip" >&2
        fi
    else
        echo "note: ${missing[*]} not installed and not root: the tests that need them will skip"
    fi
fi
