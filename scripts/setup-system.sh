#!/usr/bin/env bash
# The Debian/Ubuntu packages ccbench builds and runs with: Open MPI (runtime, headers, mpirun) for
# the MPI backend, Gloo for the MPI-free backend, cmake, g++ and make for the native addon, DejaVu
# fonts for the text of `ccbench plot`'s PNGs. Extra
# packages (CI's Slurm and munge) come as arguments. Works as root on a machine without sudo (many
# containers) and as a user with sudo.
# Uses only bash builtins besides apt-get and sudo, so it runs with nothing else on PATH.
set -euo pipefail

packages=(openmpi-bin libopenmpi-dev libgloo-dev cmake g++ make fonts-dejavu-core "$@")

if ! command -v apt-get >/dev/null; then
  echo "setup-system: apt-get not found: this script is for Debian/Ubuntu; elsewhere install Open MPI (with headers), Gloo, cmake, a C++ compiler and make with your package manager" >&2
  exit 1
fi
if [ "$EUID" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  as_root() { "$@"; }
elif command -v sudo >/dev/null; then
  # sudo resets the environment, so the variable goes on its command line.
  as_root() { sudo DEBIAN_FRONTEND=noninteractive "$@"; }
else
  echo "setup-system: installing packages needs root: run this as root, or install sudo and run it as a user allowed to use it" >&2
  exit 1
fi

as_root apt-get update -q
as_root apt-get install -y -q --no-install-recommends "${packages[@]}"
