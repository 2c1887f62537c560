"""Language from function words."""

import pytest

from pipeline.text import language


@pytest.mark.parametrize(
    "text, code",
    [
        ("The government said on Tuesday that it would raise the minimum wage by 6%.", "en"),
        (
            "La Cámara de Diputados aprobó este martes una reforma que amplía el voto por "
            "internet de los mexicanos en el extranjero.",
            "es",
        ),
        (
            "O governo disse nesta terça-feira que vai aumentar o salário mínimo em 6% a partir "
            "de abril, segundo o ministro.",
            "pt",
        ),
        (
            "Le gouvernement a annoncé mardi une hausse du salaire minimum de 6 % dans les "
            "prochains mois, selon le ministre.",
            "fr",
        ),
        (
            "Il governo ha annunciato martedì che il salario minimo sarà aumentato del 6% "
            "dopo il voto, secondo il ministro.",
            "it",
        ),
        (
            "Die Regierung hat am Dienstag angekündigt, dass der Mindestlohn um sechs Prozent "
            "steigen wird, sagte der Minister.",
            "de",
        ),
    ],
)
def test_detect(text, code):
    assert language.detect(text) == code


@pytest.mark.parametrize("text", ["", "12345 67", "Guterres Tokayev QazVac"])
def test_cannot_tell(text):
    assert language.detect(text) is None
