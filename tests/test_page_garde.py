"""La page pédagogique n'obéit qu'à elle-même (issue 16, classe 9) et s'arrête entièrement (classe 8).

- `Host` et `Origin` vérifiés (boucle locale ou `--hote`) : un autre nom d'hôte (DNS rebinding) ou une page d'un
  autre site (WebSocket d'origine croisée) reçoit 403 ;
- le navigateur ne fait lire aucun fichier au serveur (scénarios déclarés seulement) et les curseurs ne passent
  que des valeurs dans leurs bornes (le nombre de ménages est borné par le curseur, pas par le modèle) ;
- SIGTERM de `nonrecours visualiser` arrête le serveur Solara enfant : plus rien n'écoute sur le port.
"""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time

import pytest

from experiences.visualisation import leviers as L
from experiences.visualisation import serveur
from experiences.visualisation.garde import hote_permis, origine_permise
from modele.parametres import RACINE, ErreurEntree
from tests.processus_outils import enfants, vivant


@pytest.mark.parametrize("nom, ecoute, attendu", [
    ("localhost", "127.0.0.1", True), ("127.0.0.1", "127.0.0.1", True), ("127.8.9.1", "127.0.0.1", True),
    ("::1", "127.0.0.1", True), ("LOCALHOST", "127.0.0.1", True),
    ("evil.example", "127.0.0.1", False), ("192.168.1.10", "127.0.0.1", False), ("", "127.0.0.1", False),
    ("192.168.1.10", "192.168.1.10", True), ("salle-info", "salle-info", True), ("autre", "salle-info", False),
    ("192.168.1.10", "0.0.0.0", True), ("evil.example", "0.0.0.0", False), ("fe80::1", "::", True),
])
def test_hote_permis(nom, ecoute, attendu):
    assert hote_permis(nom, ecoute) is attendu


@pytest.mark.parametrize("origine, attendu", [
    ("http://127.0.0.1:8765", True), ("http://localhost:8765", True), ("https://[::1]:8765", True),
    ("http://evil.example", False), ("null", False), ("file://", False), ("http://127.0.0.1.evil.example", False),
])
def test_origine_permise(origine, attendu):
    assert origine_permise(origine, "127.0.0.1") is attendu


def test_le_navigateur_ne_choisit_que_des_scenarios_declares(tmp_path):
    autre = tmp_path / "x.toml"
    autre.write_text('[scenario]\nnom = "x"\nquestion = "q"\n', encoding="utf-8")
    for refuse in (str(autre), "/etc/passwd", "../parametres/scenarios/reference.toml"):
        with pytest.raises(ErreurEntree, match="Scénario refusé"):
            L.creer_modele({**L.reglages_par_defaut("reference"), "scenario": refuse}, rodage=False)


@pytest.mark.parametrize("cle, valeur", [("simulation.menages", 10**6), ("simulation.menages", 50),
                                         ("simulation.menages", float("nan")), ("simulation.menages", "2000"),
                                         ("acteurs.france_services.heures_pour_10000", 5000.0),
                                         ("prestations.css_gratuite.automatique_pour", "/etc"),
                                         ("acteurs.france_services.aidants_connect", "oui"),
                                         ("graine", -1), ("inconnu", 1)])
def test_les_curseurs_bornent_les_valeurs_du_client(cle, valeur):
    with pytest.raises(ErreurEntree) as e:
        L.creer_modele({**L.reglages_par_defaut("reference"), cle: valeur}, rodage=False)
    assert cle in str(e.value)


def test_valeurs_permises_acceptees():
    lv = {v.cle: v for v in L.tous_les_leviers()}["simulation.menages"]
    assert L.valeur_levier(lv, 300.0) == 300 and L.valeur_levier(lv, lv.max) == 20000


# --- Serveur réel ----------------------------------------------------------------------------------------------

def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ecoute(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _requete(port, chemin="/", **entetes):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.putrequest("GET", chemin, skip_host=True)
    for k, v in entetes.items():
        c.putheader(k.replace("_", "-"), v)
    c.endheaders()
    r = c.getresponse()
    corps = r.read()
    c.close()
    return r.status, corps.decode("utf-8", "replace")






@pytest.mark.lent
def test_page_garde_et_sigterm(tmp_path):
    port = _port_libre()
    journal = open(tmp_path / "page.log", "w")
    page = subprocess.Popen([sys.executable, "-c", "import sys; from experiences.cli import main; sys.exit(main())",
                             "visualiser", "--port", str(port)], cwd=RACINE, stdout=journal,
                            stderr=subprocess.STDOUT)
    try:
        serveur.attendre_pret(serveur.url(port, "127.0.0.1"), delai=90, processus=page)
        fils = enfants(page.pid)
        assert fils, "le serveur Solara enfant est introuvable"
        assert _requete(port, Host=f"127.0.0.1:{port}")[0] == 200
        assert _requete(port, Host=f"localhost:{port}")[0] == 200
        statut, texte = _requete(port, Host="evil.example")
        assert statut == 403 and "refusée" in texte
        assert _requete(port, Host=f"127.0.0.1:{port}", Origin="http://evil.example")[0] == 403
        ws = dict(Host=f"127.0.0.1:{port}", Upgrade="websocket", Connection="Upgrade", Sec_WebSocket_Version="13",
                  Sec_WebSocket_Key="dGhlIHNhbXBsZSBub25jZQ==", Origin="http://evil.example")
        assert _requete(port, "/jupyter/api/kernels/x/channels", **ws)[0] == 403
        # SIGTERM du parent : l'enfant s'arrête, le port est libre.
        page.send_signal(signal.SIGTERM)
        assert page.wait(timeout=30) == 0
        limite = time.monotonic() + 20
        while time.monotonic() < limite and (_ecoute(port) or any(vivant(p) for p in fils)):
            time.sleep(0.2)
        assert not _ecoute(port), "un processus écoute encore sur le port"
        assert not [p for p in fils if vivant(p)], "le serveur Solara enfant survit"
    finally:
        if page.poll() is None:
            page.kill()
        journal.close()
