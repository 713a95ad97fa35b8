#!/bin/bash
# The floor under `nsrecipe run veth-bridge` + `nsrecipe undo` on this stack (bench/main.ts): what any
# implementation in Deno with its command-line parser costs at least. One Deno start loading only the libraries
# the command cannot do without (bench/floor.ts), then the commands of veth_bridge.sh in the fewest iproute2 processes
# (ip(8) -batch: the host's side and the namespace's side on the way up, one on the way down).
# Usage: veth_bridge_floor.sh up|down NAME PEER DENO-ARGV...   (DENO-ARGV runs bench/floor.ts)
set -euo pipefail
dir=$1 name=$2 peer=$3
shift 3
case $dir in
up)
  "$@" run
  ip -batch - <<END
netns add $name
link add dev veth-$name type veth peer name $peer
link set dev $peer netns $name name eth0
link add dev br0 type bridge stp_state 0
link set dev br0 up
addr add 10.200.0.1/24 dev br0
link set dev veth-$name master br0
link set dev veth-$name up
END
  ip -n "$name" -batch - <<END
link set dev lo up
link set dev eth0 up
addr add 10.200.0.2/24 dev eth0
route add default via 10.200.0.1 dev eth0
END
  ;;
down)
  "$@" undo
  ip -batch - <<END
netns del $name
link del dev br0
END
  ;;
*) exit 2 ;;
esac
