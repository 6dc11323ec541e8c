"""Démarre la page pédagogique (`solara run`) en local et entièrement hors ligne.

Règle en une ligne : le serveur écoute sur 127.0.0.1 par défaut et sert lui-même toutes les
ressources du navigateur ; ni le navigateur ni le serveur ne contactent d'hôte extérieur.

Réglages hors ligne (variables d'environnement passées à `solara run`, voir
`environnement_hors_ligne`) :

- `SOLARA_ASSETS_PROXY=true` : les fichiers JavaScript/CSS du front-end sont servis par le
  serveur sous `/_solara/cdn/`, lus dans le cache `<sys.prefix>/share/solara/cdn/`, que le paquet
  `solara-assets` remplit à l'installation ;
- `SOLARA_ASSETS_CDN=http://127.0.0.1:9/` : si un fichier manquait au cache, le serveur irait le
  chercher sur ce port local fermé (échec immédiat et visible) au lieu d'Internet ;
- `SOLARA_TELEMETRY_MIXPANEL_ENABLE=false` : pas de télémétrie (ni de recherche d'adresse IP) ;
- `SOLARA_MODE=production` et `--production` : pas de « vérification » solara.dev dans la page ;
- `--no-check-version` : pas de requête de version à PyPI ; `--no-open` : pas de navigateur lancé.

Sécurité : `solara run` est lancé par `experiences/visualisation/garde.py`, qui refuse toute requête ou WebSocket
dont `Host` ou `Origin` ne désigne pas cette machine (ou l'hôte de `--hote`). Arrêt : SIGINT (Ctrl+C) ou SIGTERM
arrêtent le serveur enfant (et son groupe de processus) ; il meurt aussi si ce processus parent meurt
(`PR_SET_PDEATHSIG` sous Linux) : rien ne reste à l'écoute sur le port.
Textes anglais de Solara (voir `TEXTES_SOLARA_RETIRES`) : l'écran de chargement est remplacé par
`experiences/templates/loader-nonrecours.html` (français, sans « Made with Solara ») ; la ligne « Solara server is
starting at … » est retirée de la sortie (la commande écrit la sienne, en français) ; l'avertissement de Solara sur
les cookies `samesite` en http (sans objet pour une page locale : il se replie sur `samesite=lax`) est filtré.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from experiences.execution.processus import mourir_avec_le_parent

#: Fichier de l'application Solara servie par défaut.
FICHIER_APP = Path(__file__).with_name("app.py")

#: Racine du dépôt (pour que `solara run` importe `experiences` et `modele`).
RACINE_DEPOT = Path(__file__).resolve().parents[2]

#: CDN de repli volontairement injoignable (port local fermé) : rien ne sort de la machine.
CDN_LOCAL_INJOIGNABLE = "http://127.0.0.1:9/"

#: Écran de chargement français (experiences/templates/loader-nonrecours.html).
CHARGEUR = "nonrecours"
#: Lignes de la sortie de `solara run` retirées (la commande écrit les siennes, en français).
TEXTES_SOLARA_RETIRES = ("Solara server is starting at",)
#: Avertissement Python de Solara filtré dans le serveur (cookies samesite en http local : repli sur « lax »).
FILTRE_AVERTISSEMENTS = "ignore:Cookies with samesite=none require https:UserWarning"


def est_boucle_locale(hote: str) -> bool:
    """Vrai si `hote` désigne la boucle locale (127.0.0.0/8, ::1 ou « localhost »)."""
    if hote.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hote.strip("[]")).is_loopback
    except ValueError:
        return False


def environnement_hors_ligne(base: dict[str, str] | None = None, scenario: str | None = None,
                             menages: int | None = None) -> dict[str, str]:
    """Variables d'environnement de `solara run` pour une page sans aucune ressource distante.

    `scenario` (nom livré ou chemin .toml) devient `NONRECOURS_SCENARIO`, `menages` `NONRECOURS_MENAGES`, lus par la
    page au démarrage.
    """
    env = dict(os.environ if base is None else base)
    if scenario:
        env["NONRECOURS_SCENARIO"] = scenario
    if menages:
        env["NONRECOURS_MENAGES"] = str(int(menages))
    env.update(
        {
            "SOLARA_ASSETS_PROXY": "true",
            "SOLARA_ASSETS_CDN": CDN_LOCAL_INJOIGNABLE,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
            "SOLARA_MODE": "production",
            "MPLBACKEND": "Agg",
        }
    )
    env["PYTHONWARNINGS"] = ",".join(x for x in (env.get("PYTHONWARNINGS", ""), FILTRE_AVERTISSEMENTS) if x)
    chemins = [str(RACINE_DEPOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(chemins)
    return env


def commande(port: int, hote: str, fichier_app: Path | str) -> list[str]:
    """Ligne de commande `solara run` (avec l'interpréteur courant), derrière la garde `Host`/`Origin`."""
    return [
        sys.executable, "-m", "experiences.visualisation.garde", "run", str(fichier_app),
        "--host", hote, "--port", str(port),
        "--production", "--no-open", "--no-check-version", "--theme-loader", CHARGEUR,
    ]


def url(port: int, hote: str) -> str:
    """Adresse de la page pour un navigateur."""
    if ":" in hote and not hote.startswith("["):
        hote = f"[{hote}]"
    return f"http://{hote}:{port}/"


def attendre_pret(adresse: str, delai: float = 60.0, processus: subprocess.Popen | None = None) -> None:
    """Attend que la page réponde (HTTP 200) ; lève `TimeoutError` sinon."""
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        if processus is not None and processus.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {processus.returncode}) avant d'être prêt")
        try:
            with urllib.request.urlopen(adresse, timeout=2) as reponse:
                if reponse.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"la page {adresse} ne répond pas après {delai:.0f} s")


def arreter(processus: subprocess.Popen, delai: float = 10.0) -> None:
    """Arrête un serveur enfant et tout son groupe de processus : SIGTERM, puis SIGKILL après `delai`."""
    if processus.poll() is not None:
        return
    try:
        os.killpg(processus.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        processus.terminate()
    try:
        processus.wait(timeout=delai)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(processus.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            processus.kill()
        processus.wait()


def lancer(
    port: int = 8765,
    hote: str = "127.0.0.1",
    fichier_app: Path | str = FICHIER_APP,
    attendre: bool = True,
    scenario: str | None = None,
    menages: int | None = None,
    **options_popen,
) -> subprocess.Popen:
    """Démarre `solara run` sur `hote:port` avec les réglages hors ligne.

    Avec `attendre=True` (usage en ligne de commande), bloque jusqu'à l'arrêt du serveur
    (Ctrl+C l'arrête proprement). Avec `attendre=False`, rend le processus aussitôt : c'est à
    l'appelant de l'arrêter (`terminate()`), par exemple dans un test.
    """
    if not est_boucle_locale(hote):
        warnings.warn(
            f"L'hôte {hote!r} n'est pas la boucle locale : la page sera accessible depuis le réseau, "
            "sans authentification. Utilisez 127.0.0.1 sauf en salle de classe sur un réseau de confiance.",
            UserWarning,
            stacklevel=2,
        )
    options_popen.setdefault("start_new_session", True)  # son propre groupe : arrêté d'un bloc
    options_popen.setdefault("preexec_fn", mourir_avec_le_parent)  # dans l'enfant, avant exec
    if attendre:  # la sortie du serveur passe par `relayer_sortie` (textes anglais de Solara retirés)
        options_popen.setdefault("stdout", subprocess.PIPE)
        options_popen.setdefault("text", True)
    processus = subprocess.Popen(
        commande(port, hote, fichier_app),
        env=environnement_hors_ligne(options_popen.pop("env", None), scenario, menages),
        cwd=str(RACINE_DEPOT),
        **options_popen,
    )
    if not attendre:
        return processus
    if processus.stdout is not None:
        import threading

        threading.Thread(target=relayer_sortie, args=(processus.stdout, sys.stdout), daemon=True).start()
    print(f"Page pédagogique : {url(port, hote)} (Ctrl+C pour arrêter)", flush=True)

    def sur_sigterm(signum, frame):
        raise KeyboardInterrupt

    ancien = signal.signal(signal.SIGTERM, sur_sigterm)
    try:
        processus.wait()
    except KeyboardInterrupt:
        pass
    finally:
        arreter(processus)
        signal.signal(signal.SIGTERM, ancien)
    return processus


def relayer_sortie(source, cible) -> None:
    """Recopie la sortie du serveur ligne à ligne, sans les lignes de `TEXTES_SOLARA_RETIRES`."""
    for ligne in source:
        if not ligne.lstrip().startswith(TEXTES_SOLARA_RETIRES):
            cible.write(ligne)
            cible.flush()


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : `python -m experiences.visualisation.serveur [--port P] [--hote H]`."""
    analyseur = argparse.ArgumentParser(description="Page pédagogique du non-recours (hors ligne).")
    analyseur.add_argument("--port", type=int, default=8765, help="port d'écoute (défaut : 8765)")
    analyseur.add_argument("--hote", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    analyseur.add_argument("--scenario", default=None, help="scénario de départ (défaut : reference)")
    args = analyseur.parse_args(argv)
    processus = lancer(port=args.port, hote=args.hote, scenario=args.scenario)
    return processus.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
