#!/usr/bin/env bash
# Démonte ce que slurm-up.sh a démarré, par PID (fichiers PID sous $R) : jobs annulés, puis les trois démons.
R=${R:-${TMPDIR:-/tmp}/nonrecours-slurm}
export SLURM_CONF="$R/slurm.conf"
[ -f "$SLURM_CONF" ] && [ -s "$R/slurmctld.pid" ] && kill -0 "$(cat "$R/slurmctld.pid")" 2>/dev/null \
  && timeout 5 scancel --user="$(id -un)" 2>/dev/null || true
for f in "$R/slurmd.pid" "$R/slurmctld.pid" "$R/munge/munged.pid"; do
  [ -s "$f" ] || continue
  p=$(cat "$f")
  kill "$p" 2>/dev/null || continue
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -9 "$p"
  echo "slurm-down : $(basename "$f" .pid) ($p) arrêté"
done
