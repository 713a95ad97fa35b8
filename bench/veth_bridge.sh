#!/bin/bash
# The yardstick for `nsrecipe run veth-bridge` + `nsrecipe undo`: the same ip commands typed by hand
# (the manual procedure: a netns on bridge br0 through a veth pair), then the manual teardown (deleting the
# netns takes its veth end, and with it the host end; then the bridge).
# Usage: veth_bridge.sh up|down NAME PEER
set -euo pipefail
name=$2 peer=$3
case $1 in
up)
  ip netns add "$name"
  ip -n "$name" link set dev lo up
  ip link add dev "veth-$name" type veth peer name "$peer"
  ip link set dev "$peer" netns "$name" name eth0
  ip link add dev br0 type bridge stp_state 0
  ip link set dev br0 up
  ip addr add 10.200.0.1/24 dev br0
  ip link set dev "veth-$name" master br0
  ip link set dev "veth-$name" up
  ip -n "$name" link set dev eth0 up
  ip -n "$name" addr add 10.200.0.2/24 dev eth0
  ip -n "$name" -4 route add default via 10.200.0.1 dev eth0
  ;;
down)
  ip netns del "$name"
  ip link del dev br0
  ;;
*) exit 2 ;;
esac
