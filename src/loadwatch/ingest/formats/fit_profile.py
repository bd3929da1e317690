"""FIT profile tables fitparse 1.2.0 lacks or that are loadwatch's own: device names (sports are
in ``ingest.sports``).

Pure data and pure functions; no fitparse import (only ``ingest.fit`` talks to fitparse).
"""

from __future__ import annotations

from collections.abc import Mapping

from loadwatch.ingest.sports import from_fit


def map_sport(sport: object, sub_sport: object) -> str:
    """The loadwatch sport for a FIT session's sport/sub_sport (enum names or raw numbers);
    "other" where the file declares none (``ingest.sports.from_fit`` tells the two apart)."""
    return from_fit(sport, sub_sport) or "other"


# Manufacturer ids newer than fitparse 1.2.0's profile (FIT SDK profile, "manufacturer" type).
MANUFACTURERS: Mapping[int, str] = {
    0: "Invalid",
    294: "Coros",
    307: "Onelap",
}

# Garmin product ids newer than fitparse 1.2.0's profile (FIT SDK profile, "garmin_product").
GARMIN_PRODUCTS: Mapping[int, str] = {
    1932: "forerunner 15",
    2158: "fr735xt",
    2512: "oregon7xxww",
    3113: "fr945",
    3121: "edge530",
    3122: "edge830",
    3290: "fenix6",
    3570: "edge1030plus",
    3869: "fr55",
    3992: "fr255",
    4024: "fr955",
}


def manufacturer_name(manufacturer: object) -> str | None:
    if manufacturer is None:
        return None
    if isinstance(manufacturer, int):
        known = MANUFACTURERS.get(manufacturer)
        return f"{known}({manufacturer})" if known else str(manufacturer)
    return str(manufacturer)


def product_name(manufacturer: object, product: object) -> str | None:
    """fitparse renders known Garmin products by name; newer ids get "name (id)" from our table."""
    if product is None:
        return None
    if isinstance(product, int) and manufacturer in ("garmin", "dynastream", "dynastream_oem"):
        known = GARMIN_PRODUCTS.get(product)
        if known:
            return f"{known} ({product})"
    return str(product)


def device_string(
    manufacturer: object, product: object, file_product_name: object, creator_name: object
) -> str | None:
    """``manufacturer/product`` as the corpus MANIFEST writes it.

    The file_id's own product_name replaces the product number (Hammerhead, Sigma, Bryton);
    a creator device_info product_name is appended after " / " (Wahoo ELEMNT).
    """
    maker = manufacturer_name(manufacturer)
    if maker is None:
        return None
    if isinstance(file_product_name, str) and file_product_name:
        return f"{maker}/{file_product_name}"
    prod = product_name(manufacturer, product)
    out = maker if prod is None else f"{maker}/{prod}"
    if isinstance(creator_name, str) and creator_name:
        out = f"{out} / {creator_name}"
    return out
