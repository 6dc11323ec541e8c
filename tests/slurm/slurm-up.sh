#!/usr/bin/env bash
# Monte un SLURM jetable à un nœud (munge + slurmctld + slurmd), en root, sans systemd, sans cgroups, sans
# comptabilité ; tous les fichiers sous $R. Usage :
#   R=/tmp/nonrecours-slurm bash tests/slurm/slurm-up.sh && source /tmp/nonrecours-slurm/env.sh
# Démontage : R=... bash tests/slurm/slurm-down.sh (arrête les démons par leurs fichiers PID).
#
# Ce qui coûte du temps à trouver :
# - SlurmctldHost doit être le nom court de CETTE machine (`hostname -s`), sinon slurmctld s'arrête
#   (« This host ... not a valid controller ») ; le nœud peut s'appeler autrement, avec NodeAddr=127.0.0.1.
# - ProctrackType=proctrack/linuxproc et TaskPlugin=task/none : ni cgroups ni systemd.
# - RealMemory (Mo) >= le --mem des jobs (1GB dans SLURMCluster devient --mem=954M).
# - Un `sinfo` contre un contrôleur mort réessaie longtemps : toujours `timeout 3`.
set -euo pipefail
R=${R:-${TMPDIR:-/tmp}/nonrecours-slurm}
NOEUD=${NOEUD:-$(hostname -s)}
CTLD=$(hostname -s)
CPUS=${CPUS:-$(nproc)}
MEM=${MEM:-2048}
port_libre() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_CTLD=${PORT_CTLD:-$(port_libre)}
PORT_D=${PORT_D:-$(port_libre)}
t0=$(date +%s.%N)

for prog in munged mungekey slurmctld slurmd sinfo; do
  command -v "$prog" >/dev/null || { echo "slurm-up : $prog introuvable (paquets slurmctld slurmd slurm-client munge)"; exit 1; }
done
rm -rf "$R"; mkdir -p "$R"/{munge,ctld,d,log}
chmod 700 "$R/munge"

# --- munge : clé et socket privées -------------------------------------------------------------------
mungekey --create --keyfile="$R/munge/munge.key" --force
chmod 400 "$R/munge/munge.key"
munged --force --socket="$R/munge/munge.socket.2" --key-file="$R/munge/munge.key" \
  --pid-file="$R/munge/munged.pid" --log-file="$R/log/munged.log" --seed-file="$R/munge/munged.seed"
for _ in $(seq 50); do [ -S "$R/munge/munge.socket.2" ] && break; sleep 0.1; done
munge -S "$R/munge/munge.socket.2" -n | unmunge -S "$R/munge/munge.socket.2" >/dev/null

# --- slurm.conf ----------------------------------------------------------------------------------------
cat > "$R/slurm.conf" <<FIN
ClusterName=nonrecours
SlurmctldHost=$CTLD(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$R/munge/munge.socket.2
SlurmctldPort=$PORT_CTLD
SlurmdPort=$PORT_D
StateSaveLocation=$R/ctld
SlurmdSpoolDir=$R/d
SlurmctldPidFile=$R/slurmctld.pid
SlurmdPidFile=$R/slurmd.pid
SlurmctldLogFile=$R/log/slurmctld.log
SlurmdLogFile=$R/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=30
NodeName=$NOEUD NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$NOEUD Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
FIN
export SLURM_CONF="$R/slurm.conf"
echo "export SLURM_CONF=$R/slurm.conf" > "$R/env.sh"

# --- démons (ils se détachent eux-mêmes ; leurs PID sont dans les fichiers PID) -----------------------
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$NOEUD"

# --- attendre que le nœud soit libre (30 s au plus) ----------------------------------------------------
etat=aucun; fin=$((SECONDS + 30))
while [ $SECONDS -lt $fin ]; do
  if [ -s "$R/slurmctld.pid" ] && ! kill -0 "$(cat "$R/slurmctld.pid")" 2>/dev/null; then etat=slurmctld-mort; break; fi
  etat=$(timeout 3 sinfo -h -n "$NOEUD" -o %t 2>/dev/null || true)
  [ "$etat" = idle ] && break
  sleep 0.5
done
[ "$etat" = idle ] || { echo "slurm-up : nœud pas libre ('$etat')"; tail -20 "$R"/log/*.log; exit 1; }
echo "slurm-up : PID munged=$(cat "$R/munge/munged.pid") slurmctld=$(cat "$R/slurmctld.pid") slurmd=$(cat "$R/slurmd.pid") ; ports $PORT_CTLD/$PORT_D"
echo "slurm-up : $(python3 -c "import time; print(round(time.time() - $t0, 1))") s"
