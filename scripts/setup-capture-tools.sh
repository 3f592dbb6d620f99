#!/usr/bin/env bash
# Install what tests/record/test_pcap.py and scripts/make_captures.py need from Debian: tcpdump (to record
# loopback traffic) and tshark (the reference dissector the importer is compared with). Non-interactive:
# the question whether non-root users may capture is answered "no" in advance (debconf preseed), so
# apt-get never stops to ask. Safe to run again: installed tools are only reported.
#
#   bash scripts/setup-capture-tools.sh
set -euo pipefail

missing=()
command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "capture tools: tcpdump and tshark already installed"
elif [ "$(id -u)" -eq 0 ]; then
    echo "capture tools: installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "capture tools missing (${missing[*]}) and this is not root; run:" >&2
    echo "    echo 'wireshark-common wireshark-common/install-setuid boolean false' | sudo debconf-set-selections" >&2
    echo "    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

# Debian puts tcpdump in /usr/bin (older releases: /usr/sbin); both print their version on one line.
tcpdump_version="$(tcpdump --version 2>&1 | head -n 1)"
tshark_version="$(tshark --version 2>/dev/null | head -n 1)"
echo "ok: ${tcpdump_version}; ${tshark_version}"
