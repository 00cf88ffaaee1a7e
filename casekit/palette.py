"""The kit's colours: Okabe & Ito's colour-blind-safe palette, the one colour table every figure and page uses.

Okabe and Ito chose eight colours that stay distinct for the common forms of colour blindness. The kit never lets
colour carry a meaning alone (a symbol, an underline style or a word always says it too), but where it does use
colour, it takes it from here, so that a category, a kind of note and a grade look alike wherever they appear.

>>> VERMILLION
'#D55E00'
>>> tint(VERMILLION, 0.3)
'rgba(213, 94, 0, 0.30)'
"""

from __future__ import annotations

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

OKABE_ITO = (BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE)

# Two shades that are not Okabe & Ito's own: a neutral grey for "other" and "missing", and the yellow darkened
# until text and underlines drawn in it read on white (the palette's yellow is too pale for a line).
GREY = "#999999"
DARK_YELLOW = "#8a7d00"
# Bluish green and vermilion darkened for words on white: 5.5:1 contrast, where WCAG AA asks 4.5:1 of normal text
# (the palette's own shades give 3.4:1 and 3.9:1, enough for marks and lines, not for a verdict's words).
TEXT_GREEN = "#00785A"
TEXT_VERMILLION = "#B04A00"


def tint(colour: str, alpha: float) -> str:
    """Return ``colour`` ('#RRGGBB') as a CSS rgba() at opacity ``alpha``, for a highlight's background."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha:.2f})"
