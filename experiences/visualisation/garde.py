"""Garde de la page : n'accepte que les requêtes et WebSockets adressées à cette machine, depuis cette page.

Deux vérifications sur chaque requête HTTP et chaque ouverture de WebSocket, avant Solara :

- `Host` : un nom de la boucle locale (`localhost`, 127.0.0.0/8, `::1`) ou l'hôte donné à `--hote` ; si
  `--hote` écoute toutes les interfaces (0.0.0.0, ::), toute adresse IP littérale, jamais un nom de domaine
  (un site qui fait pointer son nom vers 127.0.0.1, « DNS rebinding », est refusé) ;
- `Origin` (quand le navigateur l'envoie) : la même règle sur l'hôte de l'origine ; une page d'un autre site
  ne peut donc pas ouvrir de WebSocket vers la page (requête d'origine croisée).

Refus : HTTP 403 avec un texte français ; WebSocket fermée avant d'être acceptée (403 à la poignée de main).

Lancement : `python -m experiences.visualisation.garde run APP --host H --port P …` (les options de
`solara run`) enveloppe l'application Starlette de Solara avant que uvicorn ne la charge.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from urllib.parse import urlsplit

TOUTES_INTERFACES = ("0.0.0.0", "::", "")


def _nom_d_hote(entete: str) -> str:
    """« [::1]:8765 » → « ::1 » ; « localhost:8765 » → « localhost » (minuscules)."""
    entete = entete.strip().lower()
    if entete.startswith("["):
        return entete[1:entete.find("]")] if "]" in entete else ""
    return entete.rsplit(":", 1)[0] if entete.count(":") == 1 else entete


def _ip(nom: str):
    try:
        return ipaddress.ip_address(nom)
    except ValueError:
        return None


def hote_permis(nom: str, hote_ecoute: str) -> bool:
    """Vrai si le nom d'hôte `nom` (sans port) peut adresser la page qui écoute sur `hote_ecoute`."""
    nom = nom.strip("[]").lower()
    if not nom:
        return False
    ip = _ip(nom)
    if nom == "localhost" or (ip is not None and ip.is_loopback):
        return True
    ecoute = hote_ecoute.strip("[]").lower()
    if ecoute in TOUTES_INTERFACES:
        return ip is not None
    return nom == ecoute


def origine_permise(origine: str, hote_ecoute: str) -> bool:
    """Vrai si l'en-tête `Origin` désigne la page elle-même (http ou https, hôte permis)."""
    try:
        parties = urlsplit(origine)
    except ValueError:
        return False
    return parties.scheme in ("http", "https") and hote_permis(parties.hostname or "", hote_ecoute)


class GardeHoteOrigine:
    """Intergiciel ASGI : refuse les requêtes dont `Host` ou `Origin` ne désignent pas la page."""

    def __init__(self, app, hote_ecoute: str):
        self.app = app
        self.hote_ecoute = hote_ecoute

    def permis(self, scope) -> bool:
        """Vrai si les en-têtes `Host` et `Origin` de la requête sont permis."""
        entetes = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not hote_permis(_nom_d_hote(entetes.get("host", "")), self.hote_ecoute):
            return False
        origine = entetes.get("origin")
        return origine is None or origine_permise(origine, self.hote_ecoute)

    async def __call__(self, scope, receive, send):  # noqa: D102
        if scope["type"] not in ("http", "websocket") or self.permis(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        corps = ("Requête refusée : la page pédagogique ne répond qu'aux adresses de cette machine "
                 "(ou à celle donnée par --hote), depuis la page elle-même.\n").encode("utf-8")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(corps)).encode())]})
        await send({"type": "http.response.body", "body": corps})


def _option(argv: list[str], nom: str, defaut: str) -> str:
    for k, a in enumerate(argv):
        if a == nom and k + 1 < len(argv):
            return argv[k + 1]
        if a.startswith(nom + "="):
            return a.split("=", 1)[1]
    return defaut


def main(argv: list[str] | None = None) -> None:
    """`solara run …` avec l'application enveloppée par la garde (même processus, sans rechargement)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "run" in argv and argv.index("run") + 1 < len(argv):
        # solara.server.app enregistre l'application dès son import : la lui nommer avant de l'importer.
        os.environ["SOLARA_APP"] = argv[argv.index("run") + 1]
    import solara.server.starlette as serveur_solara
    from solara.__main__ import main as solara_main

    serveur_solara.app = GardeHoteOrigine(serveur_solara.app, _option(argv, "--host", "localhost"))
    sys.argv = ["solara", *argv]
    solara_main()


if __name__ == "__main__":
    main()
