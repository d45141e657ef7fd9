"""Language ID ships with the package and separates en / fr / ar / other."""

from __future__ import annotations

from wavebreak.signals.lang import detect


def test_detects_supported_languages_with_confidence() -> None:
    sigs = detect(
        [
            "The police have confirmed the suspect was born in Cardiff.",
            "La police a confirmé que le suspect est né à Cardiff.",
            "أكدت الشرطة أن المشتبه به ولد في كارديف",
            "Die Polizei hat bestätigt, dass der Verdächtige in Cardiff geboren wurde.",
            "🙏🙏",
        ]
    )
    assert [s.label for s in sigs] == ["en", "fr", "ar", "other", "und"]
    assert all(0.5 < s.score <= 1.0 for s in sigs[:4])
    assert sigs[0].model.startswith("lang-")
