#!/usr/bin/env bash
# Installe ce qu'il faut pour la page pédagogique et son test navigateur (idempotent).
#   - Chromium de Debian (/usr/bin/chromium), piloté par playwright : aucun navigateur téléchargé ;
#   - les paquets pip de docs/visualisation-deps.txt.
# Usage : PYTHON=.venv/bin/python bash .ci/visualisation-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if [ ! -x /usr/bin/chromium ]; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

"$PYTHON" -m pip install --quiet -r docs/visualisation-deps.txt

# Vérification : le cache local de solara-assets contient ce que la page demande.
"$PYTHON" - <<'PY'
from solara.server import settings
cache = settings.assets.proxy_cache_dir
assert (cache / "requirejs@2.3.6").is_dir(), f"solara-assets absent de {cache}"
print(f"visualisation : chromium et paquets prêts (cache local {cache})")
PY
