"""Plain-language notices to the affected user (DSA Art. 17), in English and French.

Why generated from the decision record and not written by hand: the notice, the
statement of reasons and ``why`` must state the same facts; all three read the
same :class:`~wavebreak.core.records.Decision`. The notice says what was restricted,
where, why (rule, ground and legal basis in plain words), whether it was automated,
how to complain (internal complaint within six months, DSA Art. 20) and that
out-of-court dispute settlement is available (Art. 21), as Art. 17(3) requires.
"""

from __future__ import annotations

from datetime import timedelta

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Decision
from wavebreak.transparency.common import describe_actions, describe_conditions

LANGS = ("en", "fr")


def render_notice(decision: Decision, lang: str = "en", *, appeal_url: str = "") -> str:
    """The notice text for the author of the restricted item (``lang`` ``en`` or ``fr``)."""
    if lang not in LANGS:
        raise ValueError(f"notice language {lang!r} not available; choose one of {', '.join(LANGS)}")
    d = decision
    fr = lang == "fr"
    deadline = (d.at + timedelta(days=C.APPEAL_WINDOW_DAYS)).date().isoformat()
    what = {
        "post": "votre publication" if fr else "your post",
        "narrative": "votre publication, qui fait partie d'un récit viral identifié"
        if fr
        else "your post, which is part of an identified viral narrative",
        "account": "votre compte" if fr else "your account",
    }.get(d.target_kind, "votre contenu" if fr else "your content")
    actions = describe_actions(d, lang) or ["—"]
    if d.territorial_scope:
        where = ("Pays concernés : " if fr else "Countries concerned: ") + ", ".join(d.territorial_scope)
    else:
        where = "Partout où le service est disponible." if fr else "Everywhere the service is available."
    g = d.grounds
    if g.illegal and g.legal_basis:
        ground = (
            f"Nous considérons ce contenu comme illégal au regard de : {g.legal_basis}."
            if fr
            else f"We consider this content illegal under: {g.legal_basis}."
        )
    else:
        ground = (
            f"Ce contenu est contraire à nos conditions d'utilisation (« {g.platform_policy} »)."
            if fr
            else f'This content breaks our terms of service ("{g.platform_policy}").'
        )
        if g.legal_basis:
            ground += (
                f" Référence juridique pertinente : {g.legal_basis}."
                if fr
                else f" Relevant law, for reference: {g.legal_basis}."
            )
    conds = describe_conditions(d, lang)
    if d.automated_decision:
        auto = (
            "Cette décision a été prise automatiquement, sans examen humain préalable."
            if fr
            else "This decision was taken by automated means, without prior human review."
        )
    elif d.automated_detection:
        auto = (
            "Le contenu a été détecté automatiquement ; une personne a pris la décision."
            if fr
            else "The content was detected automatically; a person took the decision."
        )
    else:
        auto = "Une personne a pris cette décision." if fr else "A person took this decision."
    stays = d.item_action < Action.GEO_WITHHOLD and d.target_kind != "account"
    lines = [
        ("Objet : une restriction s'applique à " if fr else "Subject: a restriction applies to ") + what,
        "",
        ("Ce que nous avons fait : " if fr else "What we did: ") + "; ".join(actions) + ".",
        where,
    ]
    if stays:
        lines.append(
            "Votre publication reste en ligne et accessible par lien direct et à vos abonnés."
            if fr
            else "Your post stays online and can still be reached by direct link and by your followers."
        )
    if d.expires_at:
        lines.append(
            (f"Fin prévue de la mesure : {d.expires_at.date().isoformat()}.")
            if fr
            else f"The measure is due to end on {d.expires_at.date().isoformat()}."
        )
    lines += [
        "",
        ("Pourquoi : " if fr else "Why: ") + ground,
        *(("- " + c) for c in conds),
        auto,
        "",
        (
            f"Comment contester : vous pouvez déposer une réclamation gratuite jusqu'au {deadline} "
            "(six mois, article 20 du règlement sur les services numériques)"
            if fr
            else f"How to appeal: you can file a free complaint until {deadline} "
            "(six months, Article 20 of the Digital Services Act)"
        )
        + (f" : {appeal_url}" if fr and appeal_url else (f": {appeal_url}" if appeal_url else "."))
        + (
            " Une autre personne que celle ayant pris la décision l'examinera."
            if fr
            else " Someone other than the person who took the decision will review it."
        ),
        (
            "Vous pouvez aussi recourir à un organisme de règlement extrajudiciaire des litiges certifié "
            "(article 21) ou saisir la justice."
            if fr
            else "You can also use a certified out-of-court dispute settlement body (Article 21) "
            "or go to court."
        ),
        "",
        ("Référence de la décision : " if fr else "Decision reference: ") + d.id,
    ]
    return "\n".join(lines)
