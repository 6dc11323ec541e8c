"""La page pédagogique s'affiche et fonctionne dans un vrai navigateur, sans aucune requête hors de 127.0.0.1.

Le serveur est lancé comme en classe (`serveur.lancer`), Chromium de Debian est piloté par
Playwright ; chaque requête du navigateur est interceptée et toute adresse non locale fait
échouer le test (elle est aussi bloquée, pour que le test ne dépende pas du réseau). Côté
serveur, `SOLARA_ASSETS_CDN` pointe vers un port local fermé : une ressource absente du cache
local donnerait une réponse en erreur, qui fait aussi échouer le test.

Captures : `resultats/visualisation/*.png` (départ, deux ans de fermetures, « Les aidants », « Suivre un
ménage ») ; avec `NONRECOURS_MAJ_CAPTURES=1`, copie dans `docs/enseignement/` (versionnée, donc pas à chaque exécution).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Chromium de Debian absent (/usr/bin/chromium) : apt-get install -y chromium",
                allow_module_level=True)
from playwright import sync_api  # noqa: E402  (paquets : .ci/visualisation-install.sh)

from experiences.visualisation import serveur  # noqa: E402

RACINE = Path(__file__).resolve().parents[1]
ARGUMENTS_CHROMIUM = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
HOTES_LOCAUX = {"127.0.0.1", "localhost"}
DELAI_MS = 40_000


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def adresse(tmp_path_factory):
    port = port_libre()
    journal = tmp_path_factory.mktemp("serveur") / "solara.log"
    with open(journal, "w") as sortie:
        processus = serveur.lancer(port=port, attendre=False, scenario="fermeture", stdout=sortie,
                                   stderr=subprocess.STDOUT)
        try:
            serveur.attendre_pret(serveur.url(port, "127.0.0.1"), delai=60, processus=processus)
            yield serveur.url(port, "127.0.0.1")
        finally:
            processus.terminate()
            try:
                processus.wait(timeout=10)
            except subprocess.TimeoutExpired:
                processus.kill()
    texte = journal.read_text(errors="replace")
    assert "Could not load URL" not in texte, f"le serveur a cherché une ressource distante :\n{texte}"


EMPREINTE_IMAGE = """async img => {
    const octets = await (await fetch(img.src)).arrayBuffer();
    const entete = Array.from(new Uint8Array(octets.slice(0, 4)));
    const empreinte = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", octets)));
    return {entete, empreinte: empreinte.map(o => o.toString(16).padStart(2, "0")).join(""),
            largeur: img.naturalWidth};
}"""
PNG = [0x89, 0x50, 0x4E, 0x47]


CLASSES_IMAGES = ("nr-vue-menages", "nr-graphique-causes", "nr-graphique-aide", "nr-graphique-guichets")


def sources_images(page) -> dict[str, dict]:
    """Contenu (en-tête, SHA-256, largeur) de l'image affichée par chaque composant, par classe CSS.

    Solara sert les images en `blob:` ; on relit ces octets dans la page, car l'adresse du blob change à
    chaque rendu même quand l'image est identique.
    """
    return {classe: page.locator(f".{classe} img").first.evaluate(EMPREINTE_IMAGE) for classe in CLASSES_IMAGES}


def attendre_images_changees(page, avant: dict[str, dict], classes: tuple[str, ...]) -> dict[str, dict]:
    """Relit les images jusqu'à ce que celles de `classes` diffèrent de `avant` (ou échoue au délai)."""
    limite = time.monotonic() + DELAI_MS / 1000
    while True:
        apres = sources_images(page)
        inchangees = [c for c in classes if apres[c]["empreinte"] == avant[c]["empreinte"]]
        if not inchangees:
            return apres
        assert time.monotonic() < limite, f"figure(s) inchangée(s) : {inchangees}"
        page.wait_for_timeout(200)


def resume(page) -> str:
    return page.locator(".nr-resume").first.inner_text()


def attendre_resume(page, fragment: str) -> None:
    page.wait_for_function(
        "f => { const e = document.querySelector('.nr-resume'); return e && e.innerText.includes(f); }",
        arg=fragment, timeout=DELAI_MS,
    )


def capturer(page, nom: str) -> None:
    """Capture dans resultats/visualisation/ ; copie versionnée dans docs/enseignement/ si demandé."""
    captures = RACINE / "resultats" / "visualisation"
    captures.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(captures / nom), full_page=False)
    if os.environ.get("NONRECOURS_MAJ_CAPTURES") == "1":
        shutil.copyfile(captures / nom, RACINE / "docs" / "enseignement" / nom)


def test_page_hors_ligne_vrai_modele_levier_deux_ans_et_recit(adresse):
    non_locales: list[str] = []
    erreurs_http: list[str] = []
    websockets: list[str] = []

    def filtrer(route):
        url = route.request.url
        if urlsplit(url).hostname not in HOTES_LOCAUX and not url.startswith(("data:", "blob:")):
            non_locales.append(url)
            route.abort()
        else:
            route.continue_()

    with sync_api.sync_playwright() as pw:
        navigateur = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS_CHROMIUM)
        contexte = navigateur.new_context(viewport={"width": 1500, "height": 1000}, locale="fr-FR")
        contexte.route("**/*", filtrer)
        page = contexte.new_page()
        page.on("response", lambda r: r.status >= 400 and erreurs_http.append(f"{r.status} {r.url}"))
        page.on("websocket", lambda ws: websockets.append(ws.url))
        try:
            page.goto(adresse, wait_until="load")
            page.wait_for_selector(".nr-graphique-guichets img", timeout=DELAI_MS)

            # Page en français, vrai modèle (scénario « fermeture »), curseurs tirés des déclarations.
            assert page.locator(".nr-lancer").inner_text().strip().endswith("LANCER")
            assert page.get_by_text("Nombre de ménages : 2000").is_visible()
            assert page.get_by_text("Travailleurs sociaux : heures d'aide / sem. : 20").is_visible()
            attendre_resume(page, "(semaine 0) — 2000 ménages")
            images_initiales = sources_images(page)
            for classe, image in images_initiales.items():
                assert image["entete"] == PNG and image["largeur"] > 100, (classe, image)
            capturer(page, "page-depart.png")

            # Levier « Part des guichets fermés » : +5 crans de 0,05 ; « Recommencer » l'applique (marque datée).
            curseur = page.locator(".v-input", has_text="Part des guichets fermés").locator("[role=slider]")
            curseur.focus()
            for _ in range(5):
                curseur.press("ArrowRight")
            page.get_by_text("Part des guichets fermés : 0,25").wait_for(timeout=DELAI_MS)
            annee = page.locator(".v-input", has_text="Année de la fermeture").locator("[role=slider]")
            annee.focus()
            annee.press("ArrowLeft")  # 2016 → 2015 : un an de fermeture visible dans les deux ans simulés
            page.get_by_text("Année de la fermeture : 2015").wait_for(timeout=DELAI_MS)
            page.locator(".nr-recommencer").click()
            apres_levier = attendre_images_changees(page, images_initiales, ("nr-graphique-causes",))

            # Une semaine, puis deux ans : la carte et les trois graphiques changent.
            page.locator(".nr-semaine").click()
            attendre_resume(page, "(semaine 1)")
            page.locator(".nr-an").click()
            attendre_resume(page, "(semaine 53)")
            page.locator(".nr-an").click()
            attendre_resume(page, "(semaine 105)")
            attendre_images_changees(page, apres_levier, CLASSES_IMAGES)
            assert "non-recours" in resume(page)
            capturer(page, "page-deux-ans-fermeture.png")

            # Lecture continue puis pause (contrôleur français).
            page.locator(".nr-lancer").click()
            page.wait_for_function(
                "() => { const m = document.querySelector('.nr-resume').innerText.match(/\\(semaine (\\d+)\\)/);"
                " return m && Number(m[1]) >= 113; }", timeout=DELAI_MS)
            page.locator(".nr-lancer").click()
            page.get_by_role("button", name="▶ Lancer").wait_for(timeout=DELAI_MS)

            # « Les aidants » : la grille des aidants (image PNG), le texte et les compteurs, sans erreur.
            page.get_by_role("tab", name="Les aidants").click()
            page.wait_for_selector(".nr-graphique-aidants img", timeout=DELAI_MS)
            image = page.locator(".nr-graphique-aidants img").first.evaluate(EMPREINTE_IMAGE)
            assert image["entete"] == PNG and image["largeur"] > 100, image
            assert "identifiants qu'il gardait sont perdus" in page.locator(".nr-aidants-texte").inner_text()
            compteurs = page.locator(".nr-aidants-compteurs").inner_text()
            assert "Travailleurs sociaux" in compteurs and "départs" in compteurs
            assert page.locator(".v-alert.error").count() == 0
            page.wait_for_timeout(1000)  # fin du glissement de l'onglet avant la capture
            capturer(page, "page-les-aidants.png")

            # « Suivre un ménage » : un ménage qui renonce, son histoire en français, citée.
            page.get_by_role("tab", name="Suivre un ménage").click()
            page.locator(".nr-hasard-renoncent").click()
            page.wait_for_selector(".nr-recit", timeout=DELAI_MS)
            recit = page.locator(".nr-recit").inner_text()
            assert "Ménage n°" in recit and "Qui ?" in recit
            assert "Renonce à demander" in recit and "Okbani" in recit
            capturer(page, "page-suivre-un-menage.png")

            # La fiche du scénario ouvert.
            page.get_by_role("tab", name="Fiche et choses à essayer").click()
            page.wait_for_selector(".nr-fiche", timeout=DELAI_MS)
            fiche = page.locator(".nr-fiche").inner_text()
            assert "Scénario « fermeture »" in fiche and "Questions pour la classe" in fiche
        finally:
            navigateur.close()

    assert non_locales == [], f"requêtes hors de 127.0.0.1 : {non_locales}"
    assert erreurs_http == [], f"réponses en erreur : {erreurs_http}"
    assert websockets and all(urlsplit(u).hostname in HOTES_LOCAUX for u in websockets), websockets
